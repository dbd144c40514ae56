// CLEF_AGENT_SOURCE (or the CLEF_AGENT_VCS_* variables) → a SourceConfig. The source kind is decided
// here, once; the rest of the agent only sees the discriminated union (docs/DESIGN.md: pick once).
import { fileURLToPath } from 'node:url'
import { isAgentError } from '@clef-sh/errors'
import { impliesPathStyle, parseS3Url, type SourceConfig } from '@clef-sh/sources'
import type { EnvReader } from './env-reader.ts'
import { parseVcsSource, usesVcs } from './parse-vcs.ts'

const SOURCE = 'CLEF_AGENT_SOURCE'
const ENDPOINT = 'AWS_ENDPOINT_URL_S3'
const GENERIC_ENDPOINT = 'AWS_ENDPOINT_URL'
const ALLOWED = 'a file path, a file:// URL, an http(s):// URL or an S3 URL (s3://bucket/key)'
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i
// A value that was meant as a URL but lost a colon or a slash (`http//host/a.json`, `s3:/bucket/key`,
// `https:host/a.json`). Taken as a file path it would fail as "not found, has it been packed?",
// which points the operator the wrong way. Two letters at least: `C:/x` stays a (Windows) path.
const BROKEN_URL = /^([a-z][a-z0-9+.-]+)(?::\/?(?!\/)|\/\/)/i
const URL_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 's3', 'file'])
// Any AWS S3 host: virtual-hosted, path-style, regional, legacy `s3-region`, dual-stack, China.
const S3_HOST = /(?:^|\.)s3(?:[.-][a-z0-9.-]+)?\.amazonaws\.com(?:\.cn)?$/i

const parseFileUrl = (r: EnvReader, raw: string): SourceConfig | undefined => {
  try {
    return { kind: 'file', path: fileURLToPath(raw) }
  } catch {
    r.issue(SOURCE, 'is not a valid local file:// URL (file:///absolute/path)')
    return undefined
  }
}

// The SDK finds AWS_ENDPOINT_URL_S3 (or the generic AWS_ENDPOINT_URL) itself, but an IP or
// localhost endpoint also needs path-style addressing (docs/SPEC.md §5); left unset, the SDK's own endpoint
// chain applies.
const s3Endpoint = (r: EnvReader): { endpoint?: string; forcePathStyle?: boolean } | undefined => {
  const endpoint = r.get(ENDPOINT)
  if (endpoint === undefined) {
    const generic = r.get(GENERIC_ENDPOINT)
    return generic !== undefined && URL.canParse(generic) && impliesPathStyle(generic)
      ? { forcePathStyle: true }
      : {}
  }
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    r.issue(ENDPOINT, 'must be an absolute http:// or https:// URL of an S3-compatible endpoint')
    return undefined
  }
  return { endpoint, forcePathStyle: impliesPathStyle(endpoint) }
}

const parseS3 = (r: EnvReader, raw: string): SourceConfig | undefined => {
  const endpoint = s3Endpoint(r)
  try {
    const location = parseS3Url(raw)
    return endpoint === undefined ? undefined : { kind: 's3', ...location, ...endpoint }
  } catch (e) {
    // parseS3Url's message never echoes the URL, which may carry credentials.
    if (!isAgentError(e)) throw e
    r.issue(SOURCE, `${e.message}; ${e.hint ?? `expected ${ALLOWED}`}`)
    return undefined
  }
}

const parseHttpUrl = (r: EnvReader, raw: string): SourceConfig | undefined => {
  // The value is never echoed: the URL may carry credentials or a signed query.
  if (!URL.canParse(raw)) {
    r.issue(SOURCE, `is not a valid URL; expected ${ALLOWED}`)
    return undefined
  }
  const url = new URL(raw)
  // An S3 URL with a query string is presigned: a plain GET fetches it, no AWS credentials needed.
  if (url.protocol === 'https:' && S3_HOST.test(url.hostname) && url.search === '') return parseS3(r, raw)
  return { kind: 'http', url: raw }
}

// The scheme a malformed URL-like value was meant to have, when it has one of ours.
const brokenScheme = (raw: string): string | undefined => {
  const scheme = BROKEN_URL.exec(raw)?.[1]?.toLowerCase()
  if (scheme === undefined) return undefined
  // `http//` and `s3:/` are ours; any other `name:/x` is a URL with an unknown scheme, not a path.
  return URL_SCHEMES.has(scheme) || raw.startsWith(`${scheme}:/`, 0) ? scheme : undefined
}

const parsePath = (r: EnvReader, raw: string): SourceConfig | undefined => {
  const broken = brokenScheme(raw)
  if (broken === undefined) return { kind: 'file', path: raw }
  // The value is never echoed: a URL may carry credentials or a signed query.
  r.issue(
    SOURCE,
    `looks like a URL but is malformed (expected "${broken}://…"); ` +
      `a file path must not start with "${broken}:" or "${broken}//"`,
  )
  return undefined
}

const parseLocation = (r: EnvReader, raw: string): SourceConfig | undefined => {
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase()
  switch (scheme) {
    case undefined:
      return parsePath(r, raw)
    case 'file':
      return parseFileUrl(r, raw)
    case 'http':
    case 'https':
      return parseHttpUrl(r, raw)
    case 's3':
      return parseS3(r, raw)
    default:
      r.issue(SOURCE, `has unsupported scheme ${scheme}://; expected ${ALLOWED}`)
      return undefined
  }
}

/**
 * Reads the artifact source: CLEF_AGENT_SOURCE (file, http(s), S3 with AWS_ENDPOINT_URL_S3 for
 * S3-compatible stores) or the CLEF_AGENT_VCS_* variables. Records an issue when neither or both
 * are given, and for every malformed or missing piece.
 */
export const parseSource = (r: EnvReader): SourceConfig | undefined => {
  const raw = r.get(SOURCE)
  const vcs = usesVcs(r)
  if (raw !== undefined && vcs) {
    r.issue(SOURCE, 'cannot be set together with CLEF_AGENT_VCS_* variables; use one source')
    return undefined
  }
  if (raw !== undefined) return parseLocation(r, raw)
  if (vcs) return parseVcsSource(r)
  r.issue(SOURCE, `is required: ${ALLOWED}; or set CLEF_AGENT_VCS_PROVIDER and CLEF_AGENT_VCS_*`)
  return undefined
}
