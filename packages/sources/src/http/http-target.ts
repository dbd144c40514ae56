// The URL of an HTTP source, split once into what goes on the wire and what goes in logs.
// fetch() refuses URLs with userinfo, so `user:pass@` becomes a Basic Authorization header.
import { AgentError, ErrorCode, redactUrl } from '@clef-sh/errors'

/** A parsed HTTP source URL. */
export interface HttpTarget {
  /** The URL to request, without userinfo. */
  url: string
  /** `Basic …` built from the URL's userinfo, when it had any. */
  authorization: string | undefined
  /** The URL with credentials hidden, for messages and `describe()`. */
  redacted: string
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
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
    const pair = `${decode(u.username)}:${decode(u.password)}`
    authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`
    u.username = ''
    u.password = ''
  }
  return { url: u.toString(), authorization, redacted: redactUrl(raw) }
}
