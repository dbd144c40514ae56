// Redirects, followed by hand. fetch would follow any redirect and resend every header, so a
// token meant for one API could land on whatever host a `Location` names (an open redirect, a
// hijacked proxy, an http:// downgrade). A request that carries credentials may therefore follow
// a redirect only to the same origin over https; anything else fails the fetch, by name.
import { ErrorCode } from '@clef-sh/errors'
import { SourceError } from '../errors.ts'

/** Redirects followed per request before it fails as a loop. */
export const MAX_REDIRECTS = 10

const REDIRECT: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/** What a guarded fetch needs to know about its requests. */
export interface RedirectPolicy {
  /** The requests carry credentials (an auth header, a token, custom headers). */
  credentialed: boolean
  /** The source's `describe()`, for the error. */
  source: string
}

const HINT_CROSS =
  'the origin redirected a request that carries credentials away from its https origin; they are ' +
  'never sent there. Configure the final URL (or API URL) directly'
const HINT_LOOP = 'the origin keeps redirecting; check the URL and the server or proxy configuration'

// Only the target's origin is named: its path or query could carry a signed credential.
const refused = (policy: RedirectPolicy, where: string, to: URL): SourceError =>
  new SourceError(
    ErrorCode.SourceRedirect,
    `${where}: redirect to ${to.origin} refused (credentials stay on the same https origin)`,
    { source: policy.source, hint: HINT_CROSS },
  )

const mayFollow = (policy: RedirectPolicy, first: URL, next: URL): boolean =>
  !policy.credentialed || (next.protocol === 'https:' && next.origin === first.origin)

const urlOf = (input: Parameters<typeof fetch>[0]): URL =>
  new URL(input instanceof Request ? input.url : String(input))

/**
 * Wraps `f` so that redirects are followed by hand, at most {@link MAX_REDIRECTS} of them, and, when
 * `policy.credentialed`, only within the first URL's origin over https. Rejects with SourceError
 * `source_redirect` (permanent, with a hint) for a refused redirect or a loop; every other
 * failure is `f`'s own. A 303 (or a 301/302 of a POST) continues as a bodiless GET, as fetch does.
 */
export const guardRedirects =
  (f: typeof fetch, policy: RedirectPolicy): typeof fetch =>
  async (input, init) => {
    const first = urlOf(input)
    let url = first
    let req: RequestInit = { ...init, redirect: 'manual' }
    const where = `[${(req.method ?? 'GET').toUpperCase()}] "${first.origin}"`
    for (let hops = 0; ; hops++) {
      const res = await f(url.toString(), req)
      const location = res.headers.get('location')
      if (!REDIRECT.has(res.status) || location === null) return res
      await res.body?.cancel().catch(() => {})
      if (hops === MAX_REDIRECTS) {
        throw new SourceError(
          ErrorCode.SourceRedirect,
          `${where}: too many redirects (more than ${MAX_REDIRECTS})`,
          { source: policy.source, hint: HINT_LOOP },
        )
      }
      const next = new URL(location, url)
      if (!mayFollow(policy, first, next)) throw refused(policy, where, next)
      const method = (req.method ?? 'GET').toUpperCase()
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        req = { ...req, method: method === 'HEAD' ? 'HEAD' : 'GET', body: null }
      }
      url = next
    }
  }
