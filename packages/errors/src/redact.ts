// URLs may carry credentials (user:pass@, signed query strings such as X-Goog-Signature,
// X-Amz-Credential or access_token); every message, log line and telemetry event that names one
// goes through here first. No list of "sensitive" parameter names is complete, so every query
// value goes, and only the names stay to tell the operator which URL it was.

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

// `a=1&b&c=3` → `a=***&***&c=***`: a part without `=` is all value.
const namesOnly = (query: string): string =>
  query
    .split('&')
    .map((part) => {
      if (part === '') return part
      const eq = part.indexOf('=')
      return eq <= 0 ? '***' : `${part.slice(0, eq)}=***`
    })
    .join('&')

// For text that does not parse as a URL (`http//host/a?sig=…`): cut the same pieces by position.
const redactLoose = (text: string): string => {
  const hash = text.indexOf('#')
  const body = hash < 0 ? text : `${text.slice(0, hash)}#***`
  const q = body.indexOf('?')
  const end = hash < 0 ? body.length : body.indexOf('#')
  const withQuery =
    q < 0 || q > end ? body : `${body.slice(0, q + 1)}${namesOnly(body.slice(q + 1, end))}${body.slice(end)}`
  return withQuery.replace(/\/\/[^/?#@\s]*@/, '//***@')
}

/**
 * Returns `url` with userinfo replaced by `***`, every query value replaced by `***` (names
 * stay), and any fragment replaced by `***`. Text that is not a URL gets the same treatment by
 * position (after `?`, after `#`, `//…@`); a plain path comes back unchanged. Never throws.
 */
export const redactUrl = (url: string | URL): string => {
  const text = String(url)
  let u: URL
  try {
    u = new URL(text)
  } catch {
    return redactLoose(text)
  }
  if (u.username !== '' || u.password !== '') {
    u.username = '***'
    u.password = ''
  }
  if (u.search !== '') u.search = namesOnly(u.search.slice(1))
  if (u.hash !== '') u.hash = '***'
  return u.toString()
}
