// The HTTP API of docs/SPEC.md §7 as a Hono app. Routes are thin and made from the route table: each
// hands the request's Host and Authorization to the shared core and turns its Reply into a
// Response, synchronously when it can.
import { Hono, type Context } from 'hono'
import { createApiCore, type ApiCore, type ApiOptions, type Credentials } from './api-core.ts'
import type { AgentReader } from './reader.ts'
import { errorReply, isPromise, type Reply } from './replies.ts'
import { ROUTES } from './routes.ts'

/** A Reply as a fetch Response (the same status, headers and bytes). */
export const toResponse = (reply: Reply): Response => {
  const { release } = reply
  const init = { status: reply.status, headers: reply.headers as Record<string, string> }
  if (release === undefined) return new Response(reply.body, init)
  // A lent body (JIT): this rare path (HEAD, unusual names) copies it and gives it back at once.
  const copy = Uint8Array.from(reply.body)
  release()
  return new Response(copy, init)
}

// No middleware on purpose: a single matched handler lets Hono return the Response without a
// promise, which keeps the cached-mode hot path synchronous end to end.
const send = (reply: Reply | Promise<Reply>): Response | Promise<Response> =>
  isPromise(reply) ? reply.then(toResponse) : toResponse(reply)

const credentials = (c: Context): Credentials => ({
  host: c.req.header('host'),
  authorization: c.req.header('authorization'),
})

/** The Hono app over an existing core (serveApi shares the core with its node fast path). */
export const createAppFromCore = (core: ApiCore): Hono => {
  const app = new Hono()
  for (const route of ROUTES) {
    // Hono answers HEAD from a GET route (headers only), as the fast path and the probe do.
    app.on(route.method, route.path, (c) => send(core.handle(route.name, credentials(c), c.req.param('key'))))
  }
  app.notFound((c) => toResponse(core.unmatched(credentials(c), c.req.path)))
  app.onError((e) => toResponse(errorReply(e)))
  return app
}

/**
 * The agent's HTTP API (docs/SPEC.md §7) over `reader`. Every request passes the Host guard
 * (`forbidden_host`, 403); `/v1/secrets`, `/v1/secrets/:key`, `/v1/keys` and `/v1/refresh` need
 * `Authorization: Bearer <token>` (`unauthorized`, 401). Errors are `{ error, code }` with the status
 * of `STATUS[code]`; anything that is not an AgentError is a bare 500 `internal`. Unknown paths are
 * 404 `not_found`, a known path with another method is 405; an unknown key is 404 `key_not_found`,
 * a bare key in several namespaces 409 `key_ambiguous`. Does no I/O. Throws AgentError
 * `config_invalid` for an empty token.
 */
export const createApp = (reader: AgentReader, opts: ApiOptions): Hono =>
  createAppFromCore(createApiCore(reader, opts))
