// The collector's auth headers, as packed secrets carry them: `CLEF_TELEMETRY_HEADERS`
// (`k=v,k2=v2`, the OTEL_EXPORTER_OTLP_HEADERS format) and `CLEF_TELEMETRY_TOKEN` (bearer).
import { decodePercent } from '@clef-sh/errors'

/** Headers to send, and the names of entries that were refused (never their values). */
export interface ParsedHeaders {
  /** Lower-cased names to values. */
  headers: Record<string, string>
  /** Names of refused entries (`(invalid name)` when the name itself is bad). */
  refused: string[]
}

// RFC 9110 token characters.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// Header values must not let a packed secret split or smuggle a header.
const BAD_VALUE = /[\r\n\0]/
// Set by the exporter itself; a packed secret must not change how the body is framed.
const RESERVED: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'host',
])

/**
 * Parses `k=v,k2=v2`: names are lower-cased, names and values trimmed, values percent-decoded (so
 * a value may contain `%2C` for a comma). Entries with a bad name, a control character in the
 * value, a reserved name (`content-type`, `host`, …) or no `=` are refused; empty entries are
 * skipped. Never throws.
 */
export const parseHeaderList = (text: string): ParsedHeaders => {
  const headers: Record<string, string> = {}
  const refused: string[] = []
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue
    const eq = entry.indexOf('=')
    const name = (eq === -1 ? entry : entry.slice(0, eq)).trim().toLowerCase()
    const raw = eq === -1 ? '' : entry.slice(eq + 1).trim()
    const value = decodePercent(raw) ?? raw
    if (eq === -1 || !TOKEN.test(name) || RESERVED.has(name) || BAD_VALUE.test(value)) {
      refused.push(TOKEN.test(name) ? name : '(invalid name)')
      continue
    }
    headers[name] = value
  }
  return { headers, refused }
}

/**
 * The headers of both secrets: the list, plus `authorization: Bearer <token>` unless the list
 * already sets `authorization` (the explicit list wins). A token with a control character is
 * refused as `authorization`. Never throws.
 */
export const telemetryAuthHeaders = (secrets: {
  headers?: string | undefined
  token?: string | undefined
}): ParsedHeaders => {
  const parsed = parseHeaderList(secrets.headers ?? '')
  const token = secrets.token?.trim()
  if (token === undefined || token === '' || 'authorization' in parsed.headers) return parsed
  if (BAD_VALUE.test(token)) return { ...parsed, refused: [...parsed.refused, 'authorization'] }
  return { headers: { ...parsed.headers, authorization: `Bearer ${token}` }, refused: parsed.refused }
}
