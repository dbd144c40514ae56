// Where the logs go: the configured URL, with `/v1/logs` added when it names only the collector
// (OTLP/HTTP's default path), and credentials moved out of the URL, which fetch refuses.
import { AgentError, ErrorCode, decodePercent, redactUrl } from '@clef-sh/errors'

/** The export URL and the headers its userinfo turned into. */
export interface LogsEndpoint {
  /** Without userinfo. */
  url: URL
  /** `authorization: Basic …` when the URL had userinfo, else empty. */
  headers: Record<string, string>
}

const decodeUserinfo = (u: URL, part: string): string => {
  const decoded = decodePercent(part)
  if (decoded !== undefined) return decoded
  throw new AgentError(
    ErrorCode.ConfigInvalid,
    `telemetry URL ${redactUrl(u)} has a malformed %-escape in its userinfo`,
  )
}

/**
 * Resolves `url`: `http://collector:4318` → `http://collector:4318/v1/logs`; any other path is
 * kept as given. `user:pass@` becomes `authorization: Basic …`. Throws AgentError
 * `config_invalid` (URL redacted) for a URL that does not parse, is not http(s), or has a
 * malformed percent-escape (`%zz`) in its userinfo.
 */
export const resolveLogsEndpoint = (url: URL | string): LogsEndpoint => {
  let u: URL
  try {
    u = new URL(String(url))
  } catch {
    throw new AgentError(ErrorCode.ConfigInvalid, `telemetry URL ${redactUrl(String(url))} is not a URL`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new AgentError(ErrorCode.ConfigInvalid, `telemetry URL ${redactUrl(u)} must be http or https`)
  }
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/logs'
  const headers: Record<string, string> = {}
  if (u.username !== '' || u.password !== '') {
    const userinfo = `${decodeUserinfo(u, u.username)}:${decodeUserinfo(u, u.password)}`
    headers['authorization'] = `Basic ${Buffer.from(userinfo).toString('base64')}`
    u.username = ''
    u.password = ''
  }
  return { url: u, headers }
}
