// A node `(req, res)` listener that answers the hot GET routes straight from the shared core,
// skipping Request/Response objects (Hono through node-server fell short of the bare-node p99
// target). Anything it does not recognise exactly goes to the Hono listener unchanged.
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http'
import { decodePercent } from '@clef-sh/errors'
import { isPromise, type ApiCore, type RouteName } from './api-core.ts'
import type { Reply } from './replies.ts'

const EXACT: ReadonlyMap<string, RouteName> = new Map([
  ['/v1/secrets', 'secrets'],
  ['/v1/keys', 'keys'],
  ['/v1/health', 'health'],
  ['/v1/ready', 'ready'],
])
const KEY_PREFIX = '/v1/secrets/'
// Only plain, well-formed names: anything else (dot segments, odd characters, bad escapes) goes
// to Hono, whose URL normalization then decides, so both paths always agree.
const SIMPLE_KEY = /^[\w.~%-]+$/

/** The decoded key of `/v1/secrets/<segment>`, or undefined when Hono should decide. */
const decodeKey = (segment: string): string | undefined => {
  if (!SIMPLE_KEY.test(segment)) return undefined
  const key = decodePercent(segment)
  return key === '.' || key === '..' ? undefined : key
}

const write = (res: ServerResponse, reply: Reply): void => {
  res.writeHead(reply.status, reply.headers as OutgoingHttpHeaders)
  res.end(reply.body)
}

const writeTo =
  (res: ServerResponse) =>
  (reply: Reply): void => {
    write(res, reply)
  }

const answer = (core: ApiCore, req: IncomingMessage): Reply | Promise<Reply> | undefined => {
  const url = req.url ?? ''
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  const route = EXACT.get(path)
  if (route !== undefined) return core.handle(route, req.headers)
  if (!path.startsWith(KEY_PREFIX)) return undefined
  const key = decodeKey(path.slice(KEY_PREFIX.length))
  return key === undefined ? undefined : core.handle('secret', req.headers, key)
}

/**
 * Wraps `fallback` (Hono's listener) with direct answers for GET `/v1/secrets`,
 * `/v1/secrets/:key`, `/v1/keys`, `/v1/health` and `/v1/ready`, computed by the same core.
 */
export const createFastListener =
  (core: ApiCore, fallback: RequestListener): RequestListener =>
  (req, res) => {
    const reply = req.method === 'GET' ? answer(core, req) : undefined
    if (reply === undefined) fallback(req, res)
    else if (isPromise(reply)) void reply.then(writeTo(res)).catch(() => res.destroy())
    else write(res, reply)
  }
