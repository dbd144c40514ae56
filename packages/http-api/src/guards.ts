// The two request checks of docs/SPEC.md §7: the Host allow-list that defeats DNS rebinding, and the
// bearer token compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto'
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** Host guard predicate: true for a Host (or absolute-form authority) the API answers to. */
export type HostGuard = (host: string | undefined) => boolean

/**
 * Returns a predicate accepting only `127.0.0.1`, `localhost`, `127.0.0.1:<port>` and
 * `localhost:<port>` (host names compared case-insensitively). A missing Host is refused: a
 * browser always sends one, so its absence proves nothing and allowing it helps no legit client.
 */
export const createHostGuard = (port: number): HostGuard => {
  const allowed = new Set(['127.0.0.1', 'localhost', `127.0.0.1:${port}`, `localhost:${port}`])
  return (host) => host !== undefined && (allowed.has(host) || allowed.has(host.toLowerCase()))
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()
const SCHEME = 'bearer '

/**
 * Returns a predicate for the `Authorization` header: `Bearer <token>` (scheme case-insensitive,
 * RFC 7235). Both sides are hashed before `timingSafeEqual`, so neither the content nor the length
 * of the token leaks through timing. Throws `config_invalid` for an empty token, which would
 * otherwise accept `Bearer ` followed by nothing.
 */
export const createTokenCheck = (token: string): ((authorization: string | undefined) => boolean) => {
  if (token === '') throw new AgentError(ErrorCode.ConfigInvalid, 'the API token must not be empty')
  const expected = sha256(token)
  return (authorization) => {
    if (authorization === undefined || authorization.length <= SCHEME.length) return false
    if (authorization.slice(0, SCHEME.length).toLowerCase() !== SCHEME) return false
    return timingSafeEqual(sha256(authorization.slice(SCHEME.length)), expected)
  }
}

/** The parts of a raw node request that {@link createRequestScreen} reads. */
export interface RawRequest {
  readonly url?: string | undefined
  /** Every header line as received, `[name, value, name, value, …]` (node's `req.rawHeaders`). */
  readonly rawHeaders: readonly string[]
}

/** What the screen refuses a request for, as the stable code of its answer. */
export type ScreenVerdict =
  typeof ErrorCode.ForbiddenHost | typeof ErrorCode.Unauthorized | typeof ErrorCode.NotFound

// Absolute-form request target (RFC 9112 §3.2.2): its authority, taken raw. WHATWG URL parsing
// would turn `0x7f.1` or `127.0.0.1.` into `127.0.0.1`, which is exactly what must not be trusted.
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)/i

const isNamed = (raw: string, lower: string): boolean =>
  raw.length === lower.length && raw.toLowerCase() === lower

/**
 * Returns a check of what node's parsed request hides: node keeps the first of several `Host` or
 * `Authorization` lines and passes absolute-form targets (`GET http://evil/…`) through unchecked.
 * Ambiguity is refused rather than resolved: not exactly one Host, or a Host (or absolute-form
 * authority) the guard refuses → `forbidden_host`; a target neither origin-form nor absolute-form
 * (`*`, `evil:443`) → `not_found`; more than one Authorization → `unauthorized`. Undefined: let the
 * request through (the API core still runs its own Host and token checks).
 */
export const createRequestScreen = (
  isAllowedHost: HostGuard,
): ((req: RawRequest) => ScreenVerdict | undefined) => {
  return (req) => {
    const raw = req.rawHeaders
    let host: string | undefined
    let hosts = 0
    let authorizations = 0
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] ?? ''
      if (isNamed(name, 'host')) {
        hosts++
        host = raw[i + 1]
      } else if (isNamed(name, 'authorization')) authorizations++
    }
    if (hosts !== 1 || !isAllowedHost(host)) return ErrorCode.ForbiddenHost
    const target = req.url ?? ''
    if (!target.startsWith('/')) {
      const authority = ABSOLUTE_FORM.exec(target)?.[1]
      if (authority === undefined) return ErrorCode.NotFound
      if (!isAllowedHost(authority)) return ErrorCode.ForbiddenHost
    }
    return authorizations > 1 ? ErrorCode.Unauthorized : undefined
  }
}
