// The probe listener (CLEF_AGENT_PROBE_PORT): the route table's probe routes (health, readiness
// and metrics) on all interfaces, for kubelet and load balancers that reach the pod IP. No secrets
// route exists here, so no token is needed, and no Host guard either: probes name the pod IP, and
// nothing here is worth rebinding for. Whoever reaches the pod IP may ask, so answers carry stable
// codes only, never messages (which may name the source) and never a hint.
import type { RequestListener, Server } from 'node:http'
import { isAgentError, type Logger } from '@clef-sh/errors'
import { createFail, createHandlers, type Handlers } from './handlers.ts'
import { createClose, listen } from './listen.ts'
import type { AgentReader, HealthStatus, LastError } from './reader.ts'
import {
  INTERNAL,
  NOT_FOUND,
  codeReply,
  isPromise,
  jsonReply,
  methodNotAllowed,
  type Reply,
} from './replies.ts'
import { ROUTES, createMatcher, pathOf } from './routes.ts'
import { createLimitedServer, DEFAULT_LIMITS, type ServerLimits } from './server-limits.ts'

/** Options of {@link serveProbe}. */
export interface ServeProbeOptions {
  /** 0 picks a free port. */
  port: number
  /**
   * Addresses tried in order until one binds; one whose address family or address this host
   * lacks (EAFNOSUPPORT, EADDRNOTAVAIL) moves on to the next. Default `['::', '0.0.0.0']`: every
   * interface, IPv6 and IPv4 (dual-stack), or IPv4 alone where IPv6 is missing.
   */
  hostname?: string | readonly string[]
  /** Requests still open this long after `close()` are cut. Default 1000 ms. */
  forceCloseAfterMs?: number
  /** Timeouts and caps against slow or greedy clients; each defaults to {@link DEFAULT_LIMITS}. */
  limits?: Partial<ServerLimits>
  /** Hears server errors after the bind (EMFILE on accept…), by code. */
  logger?: Logger
}

/** A listening probe server; `hostname` is the address bound. `close()` is idempotent. */
export type RunningProbe = AsyncDisposable & {
  port: number
  hostname: string
  server: Server
  close(): Promise<void>
}

const PROBE_ROUTES = createMatcher(ROUTES.filter((r) => r.probe))
const DUAL_STACK = ['::', '0.0.0.0'] as const
const MISSING_FAMILY: ReadonlySet<string> = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT'])

/** `/v1/health` as the probe shows it: `lastError` keeps its code and time only. */
export type ProbeHealth = Omit<HealthStatus, 'lastError'> & {
  lastError: Pick<LastError, 'code' | 'at'> | null
}

const probeHealth = (h: HealthStatus): ProbeHealth => ({
  ...h,
  lastError: h.lastError === null ? null : { code: h.lastError.code, at: h.lastError.at },
})

/** The error reply of `e` with a message made of its code alone. */
const codeOnly = (e: unknown): Reply =>
  isAgentError(e) ? codeReply(e.code, e.code.replaceAll('_', ' ')) : INTERNAL

/**
 * A node request listener answering GET/HEAD `/v1/health`, `/v1/ready` and `/v1/metrics`; every
 * other path (the secrets routes included) is 404 `not_found`, another method on a known path 405.
 * Health is the API's with `lastError` cut to `{ code, at }` ({@link ProbeHealth}); a reader that throws gives the
 * {@link STATUS} reply of its code with the code as message (500 `internal` for a non-AgentError).
 */
export const createProbeListener = (reader: AgentReader, logger?: Logger): RequestListener => {
  const fail = createFail(logger)
  const api = createHandlers(reader, (e) => codeOnly(fail(e)))
  const handlers: Handlers = { ...api, health: () => jsonReply(200, probeHealth(reader.health())) }
  const answer = (method: string | undefined, path: string): Reply | Promise<Reply> => {
    const [hit] = PROBE_ROUTES.match(path)
    if (hit === undefined) return NOT_FOUND
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(PROBE_ROUTES.allow(path) ?? '')
    try {
      // Reads of the agent's state; only /v1/ready may wait, briefly, for a first load running.
      return handlers[hit.route.name]('')
    } catch (e) {
      fail(e)
      return codeOnly(e)
    }
  }
  return (req, res) => {
    const write = (reply: Reply): void => {
      res.writeHead(reply.status, reply.headers as Record<string, string>)
      res.end(req.method === 'HEAD' ? undefined : reply.body)
    }
    const reply = answer(req.method, pathOf(req.url))
    if (isPromise(reply)) void reply.catch((e: unknown) => codeOnly(fail(e))).then(write)
    else write(reply)
  }
}

const bindFirst = async (
  reader: AgentReader,
  opts: ServeProbeOptions,
): Promise<{ server: Server; port: number; hostname: string }> => {
  const hostnames = typeof opts.hostname === 'string' ? [opts.hostname] : (opts.hostname ?? DUAL_STACK)
  for (const [i, hostname] of hostnames.entries()) {
    const server = createLimitedServer({ ...DEFAULT_LIMITS, ...opts.limits })
    server.on('request', createProbeListener(reader, opts.logger))
    try {
      const port = await listen(server, { port: opts.port, hostname, name: 'probe', logger: opts.logger })
      return { server, port, hostname }
    } catch (e) {
      const code = ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? ''
      if (i === hostnames.length - 1 || !MISSING_FAMILY.has(code)) throw e
    }
  }
  throw new Error('serveProbe: no hostname given')
}

/**
 * Serves {@link createProbeListener} on the first of `opts.hostname` that binds, with the API's
 * server limits (header deadline, connection cap, short keep-alive) and server errors logged, not
 * thrown. Rejects with AgentError `config_invalid` when no address can be bound (EADDRINUSE,
 * EACCES…).
 */
export const serveProbe = async (reader: AgentReader, opts: ServeProbeOptions): Promise<RunningProbe> => {
  const { server, port, hostname } = await bindFirst(reader, opts)
  const close = createClose(server, opts.forceCloseAfterMs ?? 1000)
  return { port, hostname, server, close, [Symbol.asyncDispose]: close }
}
