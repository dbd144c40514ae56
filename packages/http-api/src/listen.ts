// Binding and draining a node server, shared by the API and the probe listener: one place says
// what a failed bind is reported as, and how close() lets requests finish.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** Where to bind. */
export interface ListenTarget {
  port: number
  hostname: string
}

/**
 * Binds `server` to `hostname:port` and resolves the port actually bound. Rejects with AgentError
 * `config_invalid` naming the address and the system's code (EADDRINUSE, EACCES…).
 */
export const listen = (server: Server, { port, hostname }: ListenTarget): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      const reason = e.code ?? e.message
      reject(
        new AgentError(ErrorCode.ConfigInvalid, `cannot listen on ${hostname}:${port}: ${reason}`, {
          cause: e,
        }),
      )
    }
    server.once('error', onError)
    server.listen(port, hostname, () => {
      server.off('error', onError)
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
