// The URL of an HTTP source, split once into what goes on the wire and what goes in logs.
// fetch() refuses URLs with userinfo, so `user:pass@` becomes a Basic Authorization header.
import { AgentError, ErrorCode, decodePercent, redactUrl } from '@clef-sh/errors'

/** A parsed HTTP source URL. */
export interface HttpTarget {
  /** The URL to request, without userinfo. */
  url: string
  /** `Basic …` built from the URL's userinfo, when it had any. */
  authorization: string | undefined
  /** The URL with credentials hidden, for messages and `describe()`. */
  redacted: string
}

/**
 * Parses an http(s) URL. Throws AgentError `config_invalid` when it is not one; the message never
 * echoes the raw text, which could hold a credential that failed to parse as one.
 */
export const parseHttpTarget = (raw: string): HttpTarget => {
  let u: URL
  try {
    u = new URL(raw)
  } catch (cause) {
    throw new AgentError(ErrorCode.ConfigInvalid, 'http source: not a valid URL', { cause })
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new AgentError(ErrorCode.ConfigInvalid, `http source: unsupported scheme "${u.protocol}"`)
  }
  let authorization: string | undefined
  if (u.username !== '' || u.password !== '') {
    // A malformed escape is sent as written: the server decides whether the credential is good.
    const pair = `${decodePercent(u.username) ?? u.username}:${decodePercent(u.password) ?? u.password}`
    authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`
    u.username = ''
    u.password = ''
  }
  return { url: u.toString(), authorization, redacted: redactUrl(raw) }
}
