// The two request checks of SPEC §7: the Host allow-list that defeats DNS rebinding, and the
// bearer token compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto'
import { AgentError, ErrorCode } from '@clef-sh/errors'

/**
 * Returns a predicate accepting only `127.0.0.1`, `localhost`, `127.0.0.1:<port>` and
 * `localhost:<port>` (host names compared case-insensitively). A missing Host is refused: a
 * browser always sends one, so its absence proves nothing and allowing it helps no legit client.
 */
export const createHostGuard = (port: number): ((host: string | undefined) => boolean) => {
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
