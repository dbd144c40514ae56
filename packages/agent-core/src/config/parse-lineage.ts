// CLEF_AGENT_IDENTITY / CLEF_AGENT_ENVIRONMENT: the lineage the agent is pinned to, so that an
// artifact packed for another service or environment (staging at a production agent, when both
// share a KMS key or an age recipient) is refused before it is decrypted. A VCS source implies it.
import type { SourceConfig } from '@clef-sh/sources'
import type { EnvReader } from './env-reader.ts'
import type { ConfigIssue, LineagePin } from './types.ts'

/** The pin variables; each may be set alone. */
export const LINEAGE_VARIABLES = {
  identity: 'CLEF_AGENT_IDENTITY',
  environment: 'CLEF_AGENT_ENVIRONMENT',
} as const

const IMPLIED_BY = { identity: 'CLEF_AGENT_VCS_IDENTITY', environment: 'CLEF_AGENT_VCS_ENVIRONMENT' } as const

// The names also become a path segment of the disk cache's `<dir>/<identity>/<environment>.age.json`.
const isSegment = (value: string): boolean =>
  value !== '.' && value !== '..' && value.length <= 256 && !/[/\\\p{Cc}]/u.test(value)

/** The identity and environment a VCS source reads; undefined for other kinds. */
const impliedBy = (source: SourceConfig | undefined): LineagePin | undefined =>
  source?.kind === 'github' || source?.kind === 'gitlab' || source?.kind === 'bitbucket'
    ? { identity: source.identity, environment: source.environment }
    : undefined

/**
 * Merges explicit pins with the ones `source` implies. Returns the pin (fields unset when neither
 * names them) or the issues: a name that is not one path segment (no `/`, `\`, control characters,
 * at most 256 characters), or a pin that contradicts the VCS source. `names` maps each field to
 * the variable or option to name in an issue.
 */
export const resolveLineage = (
  explicit: LineagePin,
  source: SourceConfig | undefined,
  names: Record<keyof LineagePin, string> = LINEAGE_VARIABLES,
): { pin: LineagePin; issues: ConfigIssue[] } => {
  const implied = impliedBy(source) ?? {}
  const issues: ConfigIssue[] = []
  const pin: LineagePin = {}
  for (const field of ['identity', 'environment'] as const) {
    const set = explicit[field]
    const from = implied[field]
    if (set !== undefined && !isSegment(set)) {
      issues.push({
        variable: names[field],
        message: `must be one name of at most 256 characters without "/", "\\" or control characters`,
      })
    } else if (set !== undefined && from !== undefined && set !== from) {
      issues.push({ variable: names[field], message: `must match ${IMPLIED_BY[field]} when both are set` })
    }
    const value = set ?? from
    if (value !== undefined) pin[field] = value
  }
  return { pin, issues }
}

/** Reads the pin variables and merges them with `source`, recording issues on `r`. */
export const parseLineage = (r: EnvReader, source: SourceConfig | undefined): LineagePin => {
  const explicit: LineagePin = {}
  const identity = r.get(LINEAGE_VARIABLES.identity)
  const environment = r.get(LINEAGE_VARIABLES.environment)
  if (identity !== undefined) explicit.identity = identity
  if (environment !== undefined) explicit.environment = environment
  const { pin, issues } = resolveLineage(explicit, source)
  for (const i of issues) r.issue(i.variable, i.message)
  return pin
}
