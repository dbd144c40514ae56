// Connection slots that an idle client cannot hold: node's `maxConnections` alone refuses every
// newcomer once the cap is full, so a local process that opens a few hundred sockets and sends
// nothing (renewing any that are dropped) locked the API and its probes out until the header
// deadline cut them. Instead, once the open connections reach the cap, the oldest idle one is
// closed, so one slot is always free for the next client.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

/** What node keeps on a socket of its HTTP server: the response being written, if any. */
interface HttpSocket extends Socket {
  _httpMessage?: { finished: boolean; req?: { complete: boolean } } | null
}

/**
 * Busy: a whole request has arrived and its answer is not yet handed to the socket. Everything
 * else is idle and may be closed: a connection that has sent nothing or only part of its request
 * (a loopback client sends a request in one write), a keep-alive connection between requests, and
 * one whose answer is written but not read. The same `_httpMessage` test as node's own
 * `closeIdleConnections`, so no per-request bookkeeping is needed.
 */
const isBusy = (socket: HttpSocket): boolean => {
  const res = socket._httpMessage
  return res != null && !res.finished && res.req?.complete !== false
}

/**
 * Keeps a slot of `server` free: node refuses connections beyond `cap` (`server.maxConnections`),
 * and each connection that fills the last slot closes the oldest idle connection (by arrival),
 * never itself. When every other connection is busy, none is closed and the next newcomer is
 * refused by node, as before. Cost: a set insertion per connection, nothing per request.
 */
export const keepSlotFree = (server: Server, cap: number): void => {
  server.maxConnections = cap
  // A Set iterates in insertion order: the first idle entry is the oldest idle connection.
  const open = new Set<HttpSocket>()
  server.on('connection', (socket: HttpSocket) => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    if (open.size < cap) return
    for (const other of open) {
      if (other === socket) return
      if (!isBusy(other)) {
        open.delete(other)
        other.destroy()
        return
      }
    }
  })
}
