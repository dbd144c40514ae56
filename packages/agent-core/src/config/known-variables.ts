// Every CLEF_AGENT_* variable the agent knows. Anything else with the prefix is reported, because
// a typo (CLEF_AGENT_CACHE_TLL) would otherwise silently fall back to a default.
import { didYouMean } from './did-you-mean.ts'
import type { EnvReader } from './env-reader.ts'
import { VCS_VARIABLES } from './parse-vcs.ts'

/** The variables of docs/SPEC.md §8. */
export const KNOWN_VARIABLES: readonly string[] = [
  'CLEF_AGENT_SOURCE',
  ...VCS_VARIABLES,
  'CLEF_AGENT_AGE_KEY',
  'CLEF_AGENT_AGE_KEY_FILE',
  'CLEF_AGENT_PORT',
  'CLEF_AGENT_TOKEN',
  'CLEF_AGENT_TOKEN_FILE',
  'CLEF_AGENT_TOKEN_GROUP_READABLE',
  'CLEF_AGENT_ID',
  'CLEF_AGENT_CACHE_TTL',
  'CLEF_AGENT_CACHE_PATH',
  'CLEF_AGENT_VERIFY_KEY',
  'CLEF_AGENT_TELEMETRY_URL',
  'CLEF_AGENT_STALE_IF_ERROR',
  'CLEF_AGENT_PROBE_PORT',
  'CLEF_AGENT_ALLOW_ROLLBACK',
  'CLEF_AGENT_LOG_LEVEL',
  'CLEF_AGENT_LOG_FORMAT',
  'CLEF_AGENT_IDENTITY',
  'CLEF_AGENT_ENVIRONMENT',
  'CLEF_AGENT_EXEC_RETRY_FOR',
]

const KNOWN = new Set(KNOWN_VARIABLES)

/** Records an issue for every CLEF_AGENT_* name in `names` that the agent does not know. */
export const checkUnknownVariables = (r: EnvReader, names: Iterable<string>): void => {
  for (const name of names) {
    if (!name.startsWith('CLEF_AGENT_') || KNOWN.has(name)) continue
    r.issue(name, `is not a known clef-agent variable${didYouMean(name, KNOWN_VARIABLES)}`)
  }
}
