// Listening and closing for the wire-level fakes: every fake binds 127.0.0.1 (port 0 unless it is
// restarted on its old port) and closes by cutting the open connections, like a crashed peer.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Listens on 127.0.0.1:`port` (0 = a free port) and resolves the bound port. */
export const listenLocal = (server: Server, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
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
