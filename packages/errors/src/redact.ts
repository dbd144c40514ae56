// URLs may carry credentials (user:pass@, signed query strings); every message that names one
// goes through here first.

const SENSITIVE_PARAM =
  /^(x-amz-.*|token|access_token|private_token|sig|signature|key|apikey|api_key|password|secret)$/i

/**
 * `decodeURIComponent(text)`, or undefined when `text` holds a malformed `%` escape (where
 * `decodeURIComponent` throws a URIError). Never throws.
 */
export const decodePercent = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/**
 * Returns `url` with userinfo replaced by `***` and sensitive query parameter values
 * (tokens, signatures, `X-Amz-*`) replaced by `***`. Non-URLs are returned unchanged. Never throws.
 */
export const redactUrl = (url: string | URL): string => {
  let u: URL
  try {
    u = new URL(String(url))
  } catch {
    return String(url)
  }
  if (u.username !== '' || u.password !== '') {
    u.username = '***'
    u.password = ''
  }
  for (const name of [...u.searchParams.keys()]) {
    if (SENSITIVE_PARAM.test(name)) u.searchParams.set(name, '***')
  }
  return u.toString()
}
