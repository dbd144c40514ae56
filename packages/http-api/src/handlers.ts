// What each endpoint of the route table answers once the guards passed, independent of the HTTP
// stack and of the listener: the API core and the probe listener run the same handlers.
import { isAgentError, noopLogger, type Logger } from '@clef-sh/errors'
import type { AgentReader, ReadyStatus, ServedSecrets } from './reader.ts'
import {
  KEY_AMBIGUOUS,
  KEY_NOT_FOUND,
  bytesReply,
  errorReply,
  isPromise,
  jsonReply,
  metricsReply,
  type Reply,
} from './replies.ts'
import type { RouteName } from './routes.ts'

/** Answers one route; `key` is the decoded `:key` of `secret` ('' elsewhere). May throw. */
export type Handler = (key: string) => Reply | Promise<Reply>
/** One handler per route of the table: a new route does not compile until it has one. */
export type Handlers = Readonly<Record<RouteName, Handler>>

const READY: Reply = jsonReply(200, { ready: true })
const readyReply = (status: ReadyStatus): Reply => (status.ready ? READY : jsonReply(503, status))

const lookupReply = (secrets: ServedSecrets, name: string): Reply => {
  const hit = secrets.lookup(name)
  if (hit.found) return bytesReply(hit.body)
  return hit.ambiguous ? KEY_AMBIGUOUS : KEY_NOT_FOUND
}

/** `reply`, lent its body for as long as the response needs it when `secrets` lends its bodies. */
const held = (secrets: ServedSecrets, reply: Reply): Reply => {
  const release = secrets.hold?.()
  return release === undefined ? reply : { ...reply, release }
}

const pickAll = (s: ServedSecrets): Reply => bytesReply(s.allBody)
const pickKeys = (s: ServedSecrets): Reply => bytesReply(s.keysBody)

/**
 * The reply of a failure: its AgentError reply, or 500 `internal` for anything else, whose name
 * (never its message: a foreign error may quote anything, secrets included) goes to `logger`.
 */
export const createFail =
  (logger: Logger = noopLogger) =>
  (e: unknown): Reply => {
    if (!isAgentError(e))
      logger.error('API handler failed', { error: e instanceof Error ? e.name : typeof e })
    return errorReply(e)
  }

/**
 * The handlers over `reader`. Sync failures are the caller's to catch; async ones go to `fail`.
 * `secrets()` may answer synchronously (cached mode): the reply is then synchronous too, so the
 * hot path allocates no promise.
 */
export const createHandlers = (reader: AgentReader, fail: (e: unknown) => Reply): Handlers => {
  const withSecrets = (pick: (s: ServedSecrets) => Reply): Reply | Promise<Reply> => {
    const secrets = reader.secrets()
    return isPromise(secrets) ? secrets.then((s) => held(s, pick(s))).catch(fail) : pick(secrets)
  }
  return {
    health: () => jsonReply(200, reader.health()),
    ready: () => {
      const status = reader.ready()
      return isPromise(status) ? status.then(readyReply).catch(fail) : readyReply(status)
    },
    metrics: () => metricsReply(reader.metrics()),
    secrets: () => withSecrets(pickAll),
    keys: () => withSecrets(pickKeys),
    secret: (key) => withSecrets((s) => lookupReply(s, key)),
    refresh: () =>
      reader
        .refresh()
        .then((r) => jsonReply(200, { revision: r.revision }))
        .catch(fail),
  }
}
