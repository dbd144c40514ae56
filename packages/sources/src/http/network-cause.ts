// Why a connection failed, in words an operator can act on. fetch reports every network failure
// as `TypeError: fetch failed` and hides the reason in `cause` (sometimes an AggregateError, or a
// client library's wrapper around it); only a code from that chain ever reaches a message, since
// a foreign error's text could quote the URL, a header or a signed query.

/** A network failure's code and, when one helps, what to check. */
export interface NetworkCause {
  /** An errno or TLS code (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`…), else the error's name. */
  code: string
  hint?: string | undefined
}

const HINT_REFUSED =
  'nothing accepts connections at that host and port: check the URL and that the server is up'
const HINT_DNS = 'the host name does not resolve: check the URL and the DNS configuration'
const HINT_TLS =
  "the server's TLS certificate was rejected: check the host name and the certificate chain " +
  '(a private CA goes in NODE_EXTRA_CA_CERTS)'
const HINT_RESET = 'the connection was cut: check proxies, load balancers and firewalls on the way'

const DNS: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'])
const RESET: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
])
const TLS = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|EPROTO/

const codeOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' && e.code !== ''
    ? e.code
    : undefined

// Depth-first along `cause` and an AggregateError's `errors`, bounded: causes may form a cycle.
const findCode = (e: unknown, depth = 0): string | undefined => {
  if (depth > 6 || typeof e !== 'object' || e === null) return undefined
  const own = codeOf(e)
  if (own !== undefined) return own
  const inner: unknown[] = []
  if ('cause' in e) inner.push(e.cause)
  if (e instanceof AggregateError) inner.push(...(e.errors as unknown[]))
  for (const next of inner) {
    const found = findCode(next, depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

const innermost = (e: unknown): unknown => {
  let current = e
  for (let i = 0; i < 6 && current instanceof Error && current.cause !== undefined; i++)
    current = current.cause
  return current
}

const hintFor = (code: string): string | undefined => {
  if (code === 'ECONNREFUSED') return HINT_REFUSED
  if (DNS.has(code)) return HINT_DNS
  if (RESET.has(code)) return HINT_RESET
  return TLS.test(code) ? HINT_TLS : undefined
}

/**
 * The code behind a failed request: the first errno/TLS code along its causes, else the innermost
 * error's name (never `TypeError` when a better one exists). Never throws, never reads a message,
 * except undici's fixed "redirect count exceeded", named `too many redirects`.
 */
export const networkCause = (e: unknown): NetworkCause => {
  const code = findCode(e)
  if (code !== undefined) return { code, hint: hintFor(code) }
  const inner = innermost(e)
  if (inner instanceof Error && inner.message === 'redirect count exceeded')
    return { code: 'too many redirects' }
  const name = inner instanceof Error ? inner.name : e instanceof Error ? e.name : undefined
  return { code: name ?? 'unknown error' }
}
