// CLEF_AGENT_SOURCE (and the VCS variables) → a SourceConfig. The source kind is decided here,
// once; the rest of the agent only sees the discriminated union (DESIGN: pick once).
import { fileURLToPath } from 'node:url'
import type { SourceConfig } from '@clef-sh/sources'
import type { EnvReader } from './env-reader.ts'

/** The VCS source variables of SPEC §8: recognized, but not available in this build. */
export const VCS_VARIABLES: readonly string[] = [
  'CLEF_AGENT_VCS_PROVIDER',
  'CLEF_AGENT_VCS_REPO',
  'CLEF_AGENT_VCS_TOKEN',
  'CLEF_AGENT_VCS_IDENTITY',
  'CLEF_AGENT_VCS_ENVIRONMENT',
  'CLEF_AGENT_VCS_REF',
  'CLEF_AGENT_VCS_API_URL',
]

const SOURCE = 'CLEF_AGENT_SOURCE'
const ALLOWED = 'a file path, a file:// URL or an http(s):// URL'
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

const parseFileUrl = (r: EnvReader, raw: string): SourceConfig | undefined => {
  try {
    return { kind: 'file', path: fileURLToPath(raw) }
  } catch {
    return r.issue(SOURCE, 'is not a valid local file:// URL (file:///absolute/path)')
  }
}

const parseHttpUrl = (r: EnvReader, raw: string): SourceConfig | undefined => {
  // The value is never echoed: the URL may carry credentials or a signed query.
  if (!URL.canParse(raw)) return r.issue(SOURCE, `is not a valid URL; expected ${ALLOWED}`)
  return { kind: 'http', url: raw }
}

const parseLocation = (r: EnvReader, raw: string): SourceConfig | undefined => {
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase()
  switch (scheme) {
    case undefined:
      return { kind: 'file', path: raw }
    case 'file':
      return parseFileUrl(r, raw)
    case 'http':
    case 'https':
      return parseHttpUrl(r, raw)
    case 's3':
      return r.issue(SOURCE, `S3 sources (s3://) are not available in this build yet; use ${ALLOWED}`)
    default:
      return r.issue(SOURCE, `has unsupported scheme ${scheme}://; expected ${ALLOWED}`)
  }
}

/**
 * Reads the artifact source. Records an issue when none is given, when the VCS variables are used
 * (not available in this build) or when CLEF_AGENT_SOURCE is malformed.
 */
export const parseSource = (r: EnvReader): SourceConfig | undefined => {
  const vcs = VCS_VARIABLES.find((name) => r.get(name) !== undefined)
  if (vcs !== undefined) {
    r.issue(
      vcs,
      'VCS sources (GitHub, GitLab, Bitbucket) are not available in this build yet; use CLEF_AGENT_SOURCE',
    )
  }
  const raw = r.get(SOURCE)
  if (raw !== undefined) return parseLocation(r, raw)
  if (vcs === undefined) r.issue(SOURCE, `is required: ${ALLOWED}`)
  return undefined
}
