// What every endpoint answers, independent of the HTTP stack: the Hono app and the node fast path
// both call `handle`, so guards, auth order, headers and bytes cannot drift apart.
import { isAgentError, noopLogger, type Logger } from '@clef-sh/errors'
import { createHostGuard, createTokenCheck } from './guards.ts'
import type { AgentReader, ServedSecrets } from './reader.ts'
import {
  FORBIDDEN_HOST,
  KEY_AMBIGUOUS,
  KEY_NOT_FOUND,
  NOT_FOUND,
  UNAUTHORIZED,
  bytesReply,
  errorReply,
  jsonReply,
  methodNotAllowed,
  metricsReply,
  type Reply,
} from './replies.ts'

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

/** Every endpoint of SPEC §7 by name. */
export type RouteName = 'health' | 'ready' | 'secrets' | 'secret' | 'keys' | 'refresh' | 'metrics'

/** The framework-free API. */
export interface ApiCore {
  /** Host guard, then the token for secrets routes, then the route. `key` is the decoded name of `secret`. */
  handle(route: RouteName, creds: Credentials, key?: string): Reply | Promise<Reply>
  /** The answer to a path no route matched: 403 for a foreign Host, 405 for a known path, else 404. */
  unmatched(creds: Credentials, path: string): Reply
}

const READY: Reply = jsonReply(200, { ready: true })
const AUTHED: ReadonlySet<RouteName> = new Set(['secrets', 'secret', 'keys', 'refresh'])
/** True for a promise of `T` rather than a `T` (ServedSecrets and Reply are never thenable). */
export const isPromise = <T>(v: T | Promise<T>): v is Promise<T> =>
  typeof (v as { then?: unknown }).then === 'function'

const lookupReply = (secrets: ServedSecrets, name: string): Reply => {
  const hit = secrets.lookup(name)
  if (hit.found) return bytesReply(hit.body)
  return hit.ambiguous ? KEY_AMBIGUOUS : KEY_NOT_FOUND
}

/** The methods a known path answers to, or undefined for an unknown path. */
const allowedMethods = (path: string): string | undefined => {
  if (path === '/v1/refresh') return 'POST'
  if (['/v1/health', '/v1/ready', '/v1/secrets', '/v1/keys', '/v1/metrics'].includes(path)) return 'GET, HEAD'
  const key = path.startsWith('/v1/secrets/') ? path.slice('/v1/secrets/'.length) : ''
  return key !== '' && !key.includes('/') ? 'GET, HEAD' : undefined
}

const pickAll = (s: ServedSecrets): Reply => bytesReply(s.allBody)
const pickKeys = (s: ServedSecrets): Reply => bytesReply(s.keysBody)

/** The routes behind the guards. Sync failures are the caller's to catch; async ones go to `fail`. */
const createRun = (
  reader: AgentReader,
  fail: (e: unknown) => Reply,
): ((route: RouteName, key: string) => Reply | Promise<Reply>) => {
  const withSecrets = (pick: (s: ServedSecrets) => Reply): Reply | Promise<Reply> => {
    const secrets = reader.secrets()
    return isPromise(secrets) ? secrets.then(pick).catch(fail) : pick(secrets)
  }
  return (route: RouteName, key: string): Reply | Promise<Reply> => {
    switch (route) {
      case 'secrets':
        return withSecrets(pickAll)
      case 'keys':
        return withSecrets(pickKeys)
      case 'secret':
        return withSecrets((s) => lookupReply(s, key))
      case 'refresh':
        return reader
          .refresh()
          .then((r) => jsonReply(200, { revision: r.revision }))
          .catch(fail)
      case 'health':
        return jsonReply(200, reader.health())
      case 'ready': {
        const status = reader.ready()
        return status.ready ? READY : jsonReply(503, status)
      }
      case 'metrics':
        return metricsReply(reader.metrics())
    }
  }
}

/**
 * Builds the API over `reader`. `secrets()` may answer synchronously (cached mode): then the reply
 * is returned synchronously too, so the hot path allocates no promise. Throws `config_invalid`
 * for an empty token.
 */
export const createApiCore = (reader: AgentReader, opts: ApiOptions): ApiCore => {
  const isAllowedHost = createHostGuard(opts.port)
  const isAuthorized = createTokenCheck(opts.token)
  const logger = opts.logger ?? noopLogger
  const fail = (e: unknown): Reply => {
    // The name only: a foreign error's message may quote anything, secrets included.
    if (!isAgentError(e))
      logger.error('API handler failed', { error: e instanceof Error ? e.name : typeof e })
    return errorReply(e)
  }
  const run = createRun(reader, fail)
  const core: ApiCore = {
    handle: (route, creds, key = '') => {
      if (!isAllowedHost(creds.host)) return FORBIDDEN_HOST
      if (AUTHED.has(route) && !isAuthorized(creds.authorization)) return UNAUTHORIZED
      try {
        return run(route, key)
      } catch (e) {
        return fail(e)
      }
    },
    unmatched: (creds, path) => {
      if (!isAllowedHost(creds.host)) return FORBIDDEN_HOST
      const allow = allowedMethods(path)
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
