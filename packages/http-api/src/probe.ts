// The probe listener (CLEF_AGENT_PROBE_PORT): the route table's probe routes (health, readiness
// and metrics) on all interfaces, for kubelet and load balancers that reach the pod IP. No secrets
// route exists here, so no token is needed, and no Host guard either: probes name the pod IP, and
// nothing here is worth rebinding for.
import { createServer, type RequestListener, type Server } from 'node:http'
import { createFail, createHandlers } from './handlers.ts'
import { createClose, listen } from './listen.ts'
import type { AgentReader } from './reader.ts'
import { NOT_FOUND, methodNotAllowed, type Reply } from './replies.ts'
import { ROUTES, createMatcher, pathOf } from './routes.ts'

/** Options of {@link serveProbe}. */
export interface ServeProbeOptions {
  /** 0 picks a free port. */
  port: number
  /** Default `0.0.0.0` (every IPv4 interface). */
  hostname?: string
  /** Requests still open this long after `close()` are cut. Default 1000 ms. */
  forceCloseAfterMs?: number
}

/** A listening probe server; `close()` is idempotent. */
export type RunningProbe = AsyncDisposable & { port: number; server: Server; close(): Promise<void> }

const PROBE_ROUTES = createMatcher(ROUTES.filter((r) => r.probe))

/**
 * A node request listener answering GET/HEAD `/v1/health`, `/v1/ready` and `/v1/metrics` with the
 * same bodies as the API; every other path (the secrets routes included) is 404 `not_found`,
 * another method on a known path 405. A reader that throws gives the {@link STATUS} reply (500
 * `internal` for a non-AgentError).
 */
export const createProbeListener = (reader: AgentReader): RequestListener => {
  const fail = createFail()
  const handlers = createHandlers(reader, fail)
  const answer = (method: string | undefined, path: string): Reply => {
    const [hit] = PROBE_ROUTES.match(path)
    if (hit === undefined) return NOT_FOUND
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(PROBE_ROUTES.allow(path) ?? '')
    try {
      // Probe routes are synchronous reads of the agent's state (the table holds no async one).
      return handlers[hit.route.name]('') as Reply
    } catch (e) {
      return fail(e)
    }
  }
  return (req, res) => {
    const reply = answer(req.method, pathOf(req.url))
    res.writeHead(reply.status, reply.headers as Record<string, string>)
    res.end(req.method === 'HEAD' ? undefined : reply.body)
  }
}

/**
 * Serves {@link createProbeListener} on `hostname:port`. Rejects with AgentError `config_invalid`
 * when the address cannot be bound (EADDRINUSE, EACCES…).
 */
export const serveProbe = async (reader: AgentReader, opts: ServeProbeOptions): Promise<RunningProbe> => {
  const server = createServer(createProbeListener(reader))
  const port = await listen(server, { port: opts.port, hostname: opts.hostname ?? '0.0.0.0' })
  const close = createClose(server, opts.forceCloseAfterMs ?? 1000)
  return { port, server, close, [Symbol.asyncDispose]: close }
}
