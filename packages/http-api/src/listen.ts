// Binding and draining a node server, shared by the API and the probe listener: one place says
// what a failed bind is reported as, how server errors are survived, and how close() lets
// requests finish.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AgentError, ErrorCode, noopLogger, type Logger } from '@clef-sh/errors'

/** Where to bind, and who hears server errors once bound. */
export interface ListenTarget {
  port: number
  hostname: string
  /** Names the listener in log lines (`api`, `probe`). */
  name: string
  logger?: Logger | undefined
}

// A server error after the bind (EMFILE on accept, mostly) comes once per refused connection:
// one line per second at most, with the count of those not logged.
const ERROR_LOG_INTERVAL_MS = 1000

/**
 * Keeps `server` alive through its 'error' events after the bind: without a listener, node would
 * throw them (an accept that fails with EMFILE under a connection flood would end the agent).
 */
const surviveErrors = (server: Server, { name, logger = noopLogger }: ListenTarget): void => {
  let lastLogged = 0
  let unlogged = 0
  server.on('error', (e: NodeJS.ErrnoException) => {
    const now = Date.now()
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) {
      unlogged++
      return
    }
    logger.warn('listener error', { listener: name, code: e.code ?? e.name, suppressed: unlogged })
    lastLogged = now
    unlogged = 0
  })
}

/**
 * Binds `server` to `hostname:port` and resolves the port actually bound; from then on server
 * errors are logged (rate-limited) instead of thrown. Rejects with AgentError `config_invalid`
 * naming the address and the system's code (EADDRINUSE, EACCES…); the cause keeps that code.
 */
export const listen = (server: Server, target: ListenTarget): Promise<number> =>
  new Promise((resolve, reject) => {
    const { port, hostname } = target
    const onError = (e: NodeJS.ErrnoException): void => {
      const reason = e.code ?? e.message
      const where = hostname.includes(':') ? `[${hostname}]:${port}` : `${hostname}:${port}`
      reject(new AgentError(ErrorCode.ConfigInvalid, `cannot listen on ${where}: ${reason}`, { cause: e }))
    }
    server.once('error', onError)
    server.listen(port, hostname, () => {
      server.off('error', onError)
      surviveErrors(server, target)
      resolve((server.address() as AddressInfo).port)
    })
  })

const IDLE_SWEEP_MS = 25

/**
 * An idempotent close: stops accepting, lets in-flight requests finish, closes keep-alive sockets
 * as soon as they are idle (node only closes those idle at the moment of `close()`), and cuts the
 * rest after `forceMs`. Every call returns the same promise.
 */
export const createClose = (server: Server, forceMs: number): (() => Promise<void>) => {
  let closing: Promise<void> | undefined
  return () =>
    (closing ??= new Promise<void>((resolve) => {
      const sweep = setInterval(() => {
        server.closeIdleConnections()
      }, IDLE_SWEEP_MS)
      const force = setTimeout(() => {
        server.closeAllConnections()
      }, forceMs)
      server.close(() => {
        clearInterval(sweep)
        clearTimeout(force)
        resolve()
      })
      server.closeIdleConnections()
    }))
}
