// A hostile local client for connection-cap tests: it holds `count` sockets open without sending a
// byte and opens a new one for each that the server closes, so the server never sees fewer.
import { connect, type Socket } from 'node:net'

/** The running flood: how many sockets it has opened so far, and its end. */
export interface IdleFlood extends AsyncDisposable {
  /** Sockets opened since the start, renewals included. */
  readonly opened: () => number
  /** Sockets not yet closed right now (connecting or connected). */
  readonly open: () => number
  /** Stops renewing and closes every socket. */
  stop(): Promise<void>
}

/**
 * Opens `count` idle connections to 127.0.0.1:`port` and renews each one the server closes (or
 * refuses on accept). Resolves once all `count` first connections are established.
 */
export const startIdleFlood = async (port: number, count: number): Promise<IdleFlood> => {
  const sockets = new Set<Socket>()
  let opened = 0
  let stopped = false
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        resolve()
      })
      opened++
      sockets.add(socket)
      socket.on('error', () => {})
      socket.once('close', () => {
        sockets.delete(socket)
        resolve()
        if (!stopped) void open()
      })
    })
  await Promise.all(Array.from({ length: count }, open))
  const stop = async (): Promise<void> => {
    stopped = true
    const closing = [...sockets].map((s) => new Promise((resolve) => s.once('close', resolve)))
    for (const s of sockets) s.destroy()
    await Promise.all(closing)
  }
  return { opened: () => opened, open: () => sockets.size, stop, [Symbol.asyncDispose]: stop }
}
