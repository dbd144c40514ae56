// What every endpoint answers, independent of the HTTP stack: the Hono app and the node fast path
// both call `handle`, so guards, auth order, headers and bytes cannot drift apart.
import type { Logger } from '@clef-sh/errors'
import { createHostGuard, createTokenCheck } from './guards.ts'
import { createFail, createHandlers } from './handlers.ts'
import type { AgentReader } from './reader.ts'
import {
  FORBIDDEN_HOST,
  NOT_FOUND,
  UNAUTHORIZED,
  isPromise,
  methodNotAllowed,
  type Reply,
} from './replies.ts'
import { ROUTES, createMatcher, type RouteName } from './routes.ts'

export { isPromise } from './replies.ts'
export type { RouteName } from './routes.ts'

/** Options of {@link createApp} (and of the internal `createApiCore`). */
export interface ApiOptions {
  /** The bearer token of the secrets endpoints. Must not be empty. */
  token: string
  /** The port the API is reachable on; the Host guard accepts `127.0.0.1:<port>`/`localhost:<port>`. */
  port: number
  /** Receives handler failures that are not AgentErrors (name only, never the message). */
  logger?: Logger
  /**
   * Told of every answer the core produces: its route (`unmatched` for no route) and status. For
   * request metrics; it runs on the hot path, so it must be cheap and must not throw.
   */
  onRequest?: (route: RouteName | 'unmatched', status: number) => void
}

/** The request headers the API looks at (node's `req.headers` is one, as is). */
export interface Credentials {
  readonly host?: string | undefined
  readonly authorization?: string | undefined
}

/** The framework-free API. */
export interface ApiCore {
  /** Host guard, then the token for secrets routes, then the route. `key` is the decoded name of `secret`. */
  handle(route: RouteName, creds: Credentials, key?: string): Reply | Promise<Reply>
  /** The answer to a path no route matched: 403 for a foreign Host, 405 for a known path, else 404. */
  unmatched(creds: Credentials, path: string): Reply
}

const AUTHED: ReadonlySet<RouteName> = new Set(ROUTES.filter((r) => r.auth).map((r) => r.name))
const MATCHER = createMatcher()

/**
 * Builds the API over `reader`. `secrets()` may answer synchronously (cached mode): then the reply
 * is returned synchronously too, so the hot path allocates no promise. Throws `config_invalid`
 * for an empty token.
 */
export const createApiCore = (reader: AgentReader, opts: ApiOptions): ApiCore => {
  const isAllowedHost = createHostGuard(opts.port)
  const isAuthorized = createTokenCheck(opts.token)
  const fail = createFail(opts.logger)
  const handlers = createHandlers(reader, fail)
  const core: ApiCore = {
    handle: (route, creds, key = '') => {
      if (!isAllowedHost(creds.host)) return FORBIDDEN_HOST
      if (AUTHED.has(route) && !isAuthorized(creds.authorization)) return UNAUTHORIZED
      try {
        return handlers[route](key)
      } catch (e) {
        return fail(e)
      }
    },
    unmatched: (creds, path) => {
      if (!isAllowedHost(creds.host)) return FORBIDDEN_HOST
      const allow = MATCHER.allow(path)
      return allow === undefined ? NOT_FOUND : methodNotAllowed(allow)
    },
  }
  return opts.onRequest === undefined ? core : countRequests(core, opts.onRequest)
}

/** `core`, reporting each answer's route and status to `onRequest` once it is known. */
const countRequests = (core: ApiCore, onRequest: NonNullable<ApiOptions['onRequest']>): ApiCore => ({
  handle: (route, creds, key) => {
    const reply = core.handle(route, creds, key)
    if (!isPromise(reply)) {
      onRequest(route, reply.status)
      return reply
    }
    return reply.then((r) => {
      onRequest(route, r.status)
      return r
    })
  },
  unmatched: (creds, path) => {
    const reply = core.unmatched(creds, path)
    onRequest('unmatched', reply.status)
    return reply
  },
})
