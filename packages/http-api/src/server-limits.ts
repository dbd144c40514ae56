// Limits that keep one slow or greedy local client from holding the API: header and request
// deadlines (slowloris), an idle keep-alive deadline, a connection cap that idle clients cannot
// fill, and JSON answers for the requests node refuses before any handler runs (malformed,
// oversized, too slow).
import { createServer, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { keepSlotFree } from './connection-slots.ts'

/** Server limits of {@link serveApi}; every field has a default in {@link DEFAULT_LIMITS}. */
export interface ServerLimits {
  /** A client must send all request headers within this time, or gets 408 and is cut. */
  headersTimeoutMs: number
  /** A client must send the whole request (headers and body) within this time. */
  requestTimeoutMs: number
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: number
  /**
   * At most this many connections: the one that fills the last slot closes the oldest idle
   * connection (connection-slots.ts); only when every other one is busy is a newcomer refused.
   */
  maxConnections: number
  /** Total bytes of the request line and headers; more is 431. */
  maxHeaderSize: number
}

/**
 * Defaults: a local client sends its headers in well under a millisecond, so 10 s is generous;
 * 512 connections stay well below the usual 1024 open-file limit.
 */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  maxHeaderSize: 16_384,
}

const CLIENT_ERRORS: Readonly<Record<string, readonly [number, string, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout'],
}
const BAD_REQUEST = [400, 'Bad Request', 'bad_request'] as const

const rawJsonResponse = (code: string | undefined): string => {
  const [status, reason, name] = CLIENT_ERRORS[code ?? ''] ?? BAD_REQUEST
  const body = JSON.stringify({ error: reason.toLowerCase(), code: name })
  const head = `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nCache-Control: no-store`
  return `${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

/** node's own check (`_http_server.js`): a response already on the wire must not be corrupted. */
const isResponding = (socket: Duplex): boolean =>
  (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage?.headersSent === true

const onClientError = (err: Error, socket: Duplex): void => {
  const code = (err as NodeJS.ErrnoException).code
  if (code !== 'ECONNRESET' && socket.writable && !isResponding(socket)) socket.write(rawJsonResponse(code))
  socket.destroy()
}

/**
 * Creates the API's node server with `limits` applied. `maxHeadersCount` is unlimited on purpose:
 * node silently drops headers past the count, which would hide a second `Host` or `Authorization`
 * from the request screen; `maxHeaderSize` bounds them instead. Requests per socket are not capped:
 * a loopback client gains nothing from reconnecting.
 */
export const createLimitedServer = (limits: Readonly<ServerLimits>): Server => {
  const server = createServer({
    // A request without Host gets the API's own JSON 403, not node's bare 400.
    requireHostHeader: false,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderSize,
    // node checks the deadlines above only this often (default 30 s, which would let a slow
    // client hold a connection for up to 40 s).
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  })
  keepSlotFree(server, limits.maxConnections)
  server.maxHeadersCount = 0
  server.on('clientError', onClientError)
  return server
}
