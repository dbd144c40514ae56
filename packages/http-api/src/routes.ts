// The one list of the API's endpoints. The Hono app, the node fast path, the probe listener and
// the 405 `Allow` lists are all derived from it, and `Handlers` makes the compiler demand an
// answer for every name: adding an endpoint means a row here, a handler and its test.

/** Every endpoint by name; a name added here must get a row in {@link ROUTES} and a handler. */
export type RouteName = 'health' | 'ready' | 'metrics' | 'secrets' | 'secret' | 'keys' | 'refresh'

/** One endpoint: `path` may end in one `:param` segment (a single path segment, never `/`). */
export interface Route {
  readonly name: RouteName
  readonly method: 'GET' | 'POST'
  readonly path: string
  /** Needs `Authorization: Bearer <token>` on the API (the probe serves no such route). */
  readonly auth: boolean
  /** Also served, without Host guard or token, on the probe listener. */
  readonly probe: boolean
}

/** Every endpoint of the API. A GET route answers HEAD too (headers only). */
export const ROUTES: readonly Route[] = [
  { name: 'health', method: 'GET', path: '/v1/health', auth: false, probe: true },
  { name: 'ready', method: 'GET', path: '/v1/ready', auth: false, probe: true },
  { name: 'metrics', method: 'GET', path: '/v1/metrics', auth: false, probe: true },
  { name: 'secrets', method: 'GET', path: '/v1/secrets', auth: true, probe: false },
  { name: 'secret', method: 'GET', path: '/v1/secrets/:key', auth: true, probe: false },
  { name: 'keys', method: 'GET', path: '/v1/keys', auth: true, probe: false },
  { name: 'refresh', method: 'POST', path: '/v1/refresh', auth: true, probe: false },
]

/** A path matched to its route; `param` is the raw (still percent-encoded) `:param` segment, or ''. */
export interface PathMatch {
  readonly route: Route
  readonly param: string
}

/** A matcher of request paths (query already removed) against a set of routes. */
export interface RouteMatcher {
  /** The routes of `path` whatever the method (empty for an unknown path). */
  match(path: string): readonly PathMatch[]
  /** The `Allow` list of `path` (`GET, HEAD`, `POST`, …), or undefined for an unknown path. */
  allow(path: string): string | undefined
}

const PARAM = /\/:\w+$/

/** Builds the matcher of `routes` (all of {@link ROUTES} by default). */
export const createMatcher = (routes: readonly Route[] = ROUTES): RouteMatcher => {
  const exact = new Map<string, Route[]>()
  const prefixed: { prefix: string; route: Route }[] = []
  for (const route of routes) {
    const param = PARAM.exec(route.path)
    if (param === null) exact.set(route.path, [...(exact.get(route.path) ?? []), route])
    else prefixed.push({ prefix: route.path.slice(0, param.index + 1), route })
  }
  const match = (path: string): readonly PathMatch[] => {
    const found = exact.get(path)
    if (found !== undefined) return found.map((route) => ({ route, param: '' }))
    const out: PathMatch[] = []
    for (const { prefix, route } of prefixed) {
      if (!path.startsWith(prefix)) continue
      const param = path.slice(prefix.length)
      if (param !== '' && !param.includes('/')) out.push({ route, param })
    }
    return out
  }
  const allow = (path: string): string | undefined => {
    const methods = match(path).flatMap(({ route }) =>
      route.method === 'GET' ? ['GET', 'HEAD'] : [route.method],
    )
    return methods.length === 0 ? undefined : methods.join(', ')
  }
  return { match, allow }
}

/** The path of a request target: everything before `?`. */
export const pathOf = (url: string | undefined): string => {
  const target = url ?? ''
  const query = target.indexOf('?')
  return query === -1 ? target : target.slice(0, query)
}
