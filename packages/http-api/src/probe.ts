// The probe listener (CLEF_AGENT_PROBE_PORT): health, readiness and metrics on all interfaces, for
// kubelet and load balancers that reach the pod IP. No secrets route exists here, so no token is
// needed, and no Host guard either: probes name the pod IP, and nothing here is worth rebinding for.
import { createServer, type OutgoingHttpHeaders, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AgentError, ErrorCode } from '@clef-sh/errors'
import type { AgentReader } from './reader.ts'
import { NOT_FOUND, errorReply, jsonReply, methodNotAllowed, metricsReply, type Reply } from './replies.ts'

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

const READY: Reply = jsonReply(200, { ready: true })

const route = (reader: AgentReader, path: string): Reply => {
  switch (path) {
    case '/v1/health':
      return jsonReply(200, reader.health())
    case '/v1/ready': {
      const status = reader.ready()
      return status.ready ? READY : jsonReply(503, status)
    }
    case '/v1/metrics':
      return metricsReply(reader.metrics())
    default:
      return NOT_FOUND
  }
}

/**
 * A node request listener answering GET/HEAD `/v1/health`, `/v1/ready` and `/v1/metrics` with the
 * same bodies as the API; every other path (the secrets routes included) is 404 `not_found`,
 * another method on a known path 405. A reader that throws gives the {@link STATUS} reply (500
 * `internal` for a non-AgentError).
 */
export const createProbeListener =
  (reader: AgentReader): RequestListener =>
  (req, res) => {
    const url = req.url ?? ''
    const query = url.indexOf('?')
    const path = query === -1 ? url : url.slice(0, query)
    let reply: Reply
    try {
      const known = route(reader, path)
      reply =
        known === NOT_FOUND || req.method === 'GET' || req.method === 'HEAD'
          ? known
          : methodNotAllowed('GET, HEAD')
    } catch (e) {
      reply = errorReply(e)
    }
    res.writeHead(reply.status, reply.headers as OutgoingHttpHeaders)
    res.end(req.method === 'HEAD' ? undefined : reply.body)
  }

/**
 * Serves {@link createProbeListener} on `hostname:port`. Rejects with AgentError `config_invalid`
 * when the address cannot be bound (EADDRINUSE, EACCES…).
 */
export const serveProbe = (reader: AgentReader, opts: ServeProbeOptions): Promise<RunningProbe> => {
  const hostname = opts.hostname ?? '0.0.0.0'
  const server = createServer(createProbeListener(reader))
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const reason = e.code ?? e.message
      reject(
        new AgentError(ErrorCode.ConfigInvalid, `cannot listen on ${hostname}:${opts.port}: ${reason}`, {
          cause: e,
        }),
      )
    })
    server.listen(opts.port, hostname, () => {
      server.removeAllListeners('error')
      let closing: Promise<void> | undefined
      const close = (): Promise<void> =>
        (closing ??= new Promise<void>((done) => {
          const force = setTimeout(() => {
            server.closeAllConnections()
          }, opts.forceCloseAfterMs ?? 1000)
          server.close(() => {
            clearTimeout(force)
            done()
          })
          server.closeIdleConnections()
        }))
      resolve({ port: (server.address() as AddressInfo).port, server, close, [Symbol.asyncDispose]: close })
    })
  })
}
