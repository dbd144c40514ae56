// A node `(req, res)` listener that answers the GET routes of the route table straight from the
// shared core, skipping Request/Response objects (Hono through node-server fell short of the
// bare-node p99 target). Anything it does not recognise exactly goes to the Hono listener unchanged.
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http'
import { decodePercent } from '@clef-sh/errors'
import type { ApiCore } from './api-core.ts'
import { isPromise, type Reply } from './replies.ts'
import { ROUTES, createMatcher, pathOf } from './routes.ts'

const GETS = createMatcher(ROUTES.filter((r) => r.method === 'GET'))
// Only plain, well-formed names: anything else (dot segments, odd characters, bad escapes) goes
// to Hono, whose URL normalization then decides, so both paths always agree.
const SIMPLE_PARAM = /^[\w.~%-]+$/

/** The decoded `:param` segment, or undefined when Hono should decide. */
const decodeParam = (segment: string): string | undefined => {
  if (!SIMPLE_PARAM.test(segment)) return undefined
  const value = decodePercent(segment)
  return value === '.' || value === '..' ? undefined : value
}

/**
 * Writes `reply` (headers and body) to `res`. A lent body is released once the response closed:
 * written to the socket, or the socket closed (node then no longer reads the bytes).
 */
export const writeReply = (res: ServerResponse, reply: Reply): void => {
  const { release } = reply
  if (release !== undefined) {
    if (res.closed) {
      release()
      return
    }
    res.once('close', release)
  }
  res.writeHead(reply.status, reply.headers as OutgoingHttpHeaders)
  res.end(reply.body)
}

const writeTo =
  (res: ServerResponse) =>
  (reply: Reply): void => {
    writeReply(res, reply)
  }

const answer = (core: ApiCore, req: IncomingMessage): Reply | Promise<Reply> | undefined => {
  const [hit] = GETS.match(pathOf(req.url))
  if (hit === undefined) return undefined
  if (hit.param === '') return core.handle(hit.route.name, req.headers)
  const key = decodeParam(hit.param)
  return key === undefined ? undefined : core.handle(hit.route.name, req.headers, key)
}

/**
 * Wraps `fallback` (Hono's listener) with direct answers for every GET route of the table,
 * computed by the same core. HEAD and other methods go to `fallback`.
 */
export const createFastListener =
  (core: ApiCore, fallback: RequestListener): RequestListener =>
  (req, res) => {
    const reply = req.method === 'GET' ? answer(core, req) : undefined
    if (reply === undefined) fallback(req, res)
    else if (isPromise(reply)) void reply.then(writeTo(res)).catch(() => res.destroy())
    else writeReply(res, reply)
  }
