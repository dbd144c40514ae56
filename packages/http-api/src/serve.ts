// Binds the API to a loopback socket. It returns the server and a graceful close, and leaves
// signals and exit to the app (like node-server's `serve()`).
import type { RequestListener, Server } from 'node:http'
import { ErrorCode, toAgentError, type Logger } from '@clef-sh/errors'
import { createApiCore, type ApiCore, type ApiOptions } from './api-core.ts'
import { createFastListener, writeReply } from './fast-path.ts'
import { createHostGuard, createRequestScreen, type ScreenVerdict } from './guards.ts'
import { createClose, listen } from './listen.ts'
import type { AgentReader } from './reader.ts'
import { FORBIDDEN_HOST, NOT_FOUND, UNAUTHORIZED, type Reply } from './replies.ts'
import { createLimitedServer, DEFAULT_LIMITS, type ServerLimits } from './server-limits.ts'

/** Options of {@link serveApi}. */
export interface ServeApiOptions {
  /** The bearer token of the secrets routes; must not be empty. */
  token: string
  /** 0 picks a free port; the Host guard then uses the port actually bound. */
  port: number
  /** Default `127.0.0.1`. */
  hostname?: string
  /** Hears handler failures that are not AgentErrors (name only) and a failed load of the Hono listener. */
  logger?: Logger
  /** In-flight requests still open this long after `close()` are cut. Default 5000 ms. */
  forceCloseAfterMs?: number
  /** Timeouts and caps against slow or greedy clients; each defaults to {@link DEFAULT_LIMITS}. */
  limits?: Partial<ServerLimits>
  /** See `ApiOptions.onRequest`: every answer of the API core, by route and status. */
  onRequest?: NonNullable<ApiOptions['onRequest']>
}

/** A listening API. `close()` (or `await using`) drains it; calling it again returns the same promise. */
export type RunningApi = AsyncDisposable & { port: number; server: Server; close(): Promise<void> }

/**
 * The Hono listener for everything the fast path hands over, loaded on the first such request:
 * @hono/node-server touches the global Request/Response at import, which loads undici — start-up
 * time and memory that an agent serving only the hot GET routes never needs.
 */
const createLazyHonoListener = (core: ApiCore, hostname: string, logger?: Logger): RequestListener => {
  let loading: Promise<RequestListener> | undefined
  return (req, res) => {
    loading ??= Promise.all([import('@hono/node-server'), import('./app.ts')]).then(([node, app]) =>
      node.getRequestListener(app.createAppFromCore(core).fetch, {
        hostname,
        // Only a request target node-server cannot make a URL of (a backslash, `*`) gets here:
        // the screen has already checked Host, so "no such resource" is the honest answer.
        errorHandler: () => app.toResponse(NOT_FOUND),
      }),
    )
    loading.then(
      (listener) => {
        listener(req, res)
      },
      (e: unknown) => {
        logger?.error('http api unavailable', {
          code: ErrorCode.Internal,
          error: e instanceof Error ? e.name : 'unknown',
        })
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"error":"internal error","code":"internal"}')
      },
    )
  }
}

const SCREEN_REPLIES: Readonly<Record<ScreenVerdict, Reply>> = {
  forbidden_host: FORBIDDEN_HOST,
  unauthorized: UNAUTHORIZED,
  not_found: NOT_FOUND,
}

/**
 * Runs the raw-request screen of guards.ts in front of `next` (fast path and Hono alike); what it
 * refuses is counted as `unmatched`, since it never reaches a route.
 */
const createScreenedListener = (
  port: number,
  next: RequestListener,
  onRequest: ServeApiOptions['onRequest'],
): RequestListener => {
  const screen = createRequestScreen(createHostGuard(port))
  return (req, res) => {
    const verdict = screen(req)
    if (verdict === undefined) {
      next(req, res)
      return
    }
    const reply = SCREEN_REPLIES[verdict]
    onRequest?.('unmatched', reply.status)
    writeReply(res, reply)
  }
}

/**
 * Serves {@link createApp}'s API on `hostname:port` with @hono/node-server, plus a direct node
 * listener for the hot GET routes (same core, same bytes). Rejects with AgentError `config_invalid`
 * when the address cannot be bound (EADDRINUSE, EACCES…) or the token is empty (the port is
 * released again). Before either listener, a screen refuses what
 * node's parsed request hides (duplicate Host or Authorization, absolute-form targets naming
 * another host), and the server enforces `opts.limits` (header/request/keep-alive deadlines,
 * a connection cap; node's own 400/408/431 answers become JSON too).
 */
export const serveApi = async (reader: AgentReader, opts: ServeApiOptions): Promise<RunningApi> => {
  const hostname = opts.hostname ?? '127.0.0.1'
  const server = createLimitedServer({ ...DEFAULT_LIMITS, ...opts.limits })
  const port = await listen(server, { port: opts.port, hostname, name: 'api', logger: opts.logger })
  // The listener is attached once bound, before any connection can be dispatched, because the
  // Host guard needs the port actually bound.
  try {
    const core = createApiCore(reader, { ...opts, port })
    const listener = createFastListener(core, createLazyHonoListener(core, hostname, opts.logger))
    server.on('request', createScreenedListener(port, listener, opts.onRequest))
  } catch (e) {
    server.close()
    throw toAgentError(e, ErrorCode.Internal)
  }
  const close = createClose(server, opts.forceCloseAfterMs ?? 5000)
  return { port, server, close, [Symbol.asyncDispose]: close }
}
