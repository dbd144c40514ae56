// Listening and closing for the wire-level fakes: every fake binds 127.0.0.1 (port 0 unless it is
// restarted on its old port) and closes by cutting the open connections, like a crashed peer.
import type { Server, ServerResponse } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'

/** Listens on 127.0.0.1:`port` (0 = a free port) and resolves the bound port. */
export const listenLocal = (server: Server, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })

/** A free TCP port on 127.0.0.1, bound and released (for a child process to listen on). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo
      srv.close(() => {
        resolve(port)
      })
    })
  })

/** Stops listening and destroys every open connection; resolves at once when not listening. */
export const closeLocal = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    if (!server.listening) {
      resolve()
      return
    }
    server.close(() => {
      resolve()
    })
    server.closeAllConnections()
  })

const CHUNK = 16 * 1024

const drained = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done)
      resolve()
    }
    res.on('drain', done).on('close', done)
  })

/**
 * Writes `body` in 16 KiB chunks with back-pressure, as a real server does: a client that stops
 * reading stops the transfer, and a closed connection ends it. `sent` hears each chunk's size.
 * Ends the response.
 */
export const writeChunked = async (
  res: ServerResponse,
  body: Uint8Array,
  sent: (bytes: number) => void,
): Promise<void> => {
  for (let at = 0; at < body.length && !res.destroyed; at += CHUNK) {
    const chunk = body.subarray(at, at + CHUNK)
    sent(chunk.length)
    if (!res.write(chunk)) await drained(res)
  }
  res.end()
}
