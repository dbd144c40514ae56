// A raw TCP client for the attack and fuzz suites: it sends bytes node's http client refuses to
// produce (duplicate Host, absolute-form targets, NUL bytes, headers byte by byte) and reads the
// answer until the server closes.
import { connect, type Socket } from 'node:net'

/** A parsed HTTP/1.1 answer; `status` 0 when the server closed without one. */
export interface RawResponse {
  status: number
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Record<string, string>
  body: string
  /** How long from connect to close, ms. */
  ms: number
}

const dechunk = (body: string): string => {
  let out = ''
  let rest = body
  for (;;) {
    const eol = rest.indexOf('\r\n')
    const size = Number.parseInt(rest.slice(0, eol), 16)
    if (eol === -1 || !(size > 0)) return out
    out += rest.slice(eol + 2, eol + 2 + size)
    rest = rest.slice(eol + 4 + size)
  }
}

// Interim answers (`100 Continue` to `Expect: 100-continue`) precede the real one.
const INTERIM = /^HTTP\/1\.[01] 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n/

/** Parses the final response of `raw` (latin1 text of the bytes received). */
export const parseRawResponse = (received: string, ms = 0): RawResponse => {
  let raw = received
  for (let m = INTERIM.exec(raw); m !== null; m = INTERIM.exec(raw)) raw = raw.slice(m[0].length)
  const end = raw.indexOf('\r\n\r\n')
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1]
  if (end === -1 || status === undefined) return { status: 0, headers: {}, body: raw, ms }
  const headers: Record<string, string> = {}
  for (const line of raw.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const bytes = Buffer.from(raw.slice(end + 4), 'latin1')
  const text = bytes.toString('utf8')
  return {
    status: Number(status),
    headers,
    body: headers['transfer-encoding'] === 'chunked' ? dechunk(text) : text,
    ms,
  }
}

/** Options of {@link sendRaw}. */
export interface SendRawOptions {
  /** Write the request in pieces of this many bytes … */
  pieceBytes?: number
  /** … with this pause between pieces (slowloris). */
  pauseMs?: number
  /** Give up (and close) after this long; default 10 s, so a hang fails a test instead of stalling it. */
  timeoutMs?: number
}

const writeSlowly = (socket: Socket, data: Buffer, opts: { pieceBytes: number; pauseMs: number }): void => {
  let at = 0
  const next = (): void => {
    if (socket.destroyed || at >= data.length) return
    socket.write(data.subarray(at, at + opts.pieceBytes))
    at += opts.pieceBytes
    setTimeout(next, opts.pauseMs)
  }
  next()
}

/**
 * Connects to 127.0.0.1:`port`, writes `data` and resolves with the answer once the server closes
 * the connection (send `Connection: close` to have it do so after one answer). A reset after the
 * answer is part of some attacks (431, 408) and is not an error.
 */
export const sendRaw = (
  port: number,
  data: string | Buffer,
  opts: SendRawOptions = {},
): Promise<RawResponse> =>
  new Promise((resolve) => {
    const started = performance.now()
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', () => {})
    const giveUp = setTimeout(() => socket.destroy(), opts.timeoutMs ?? 10_000)
    socket.on('close', () => {
      clearTimeout(giveUp)
      resolve(parseRawResponse(Buffer.concat(chunks).toString('latin1'), performance.now() - started))
    })
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    if (opts.pieceBytes === undefined) socket.write(bytes)
    else writeSlowly(socket, bytes, { pieceBytes: opts.pieceBytes, pauseMs: opts.pauseMs ?? 0 })
  })

/**
 * Sends `data` on a new connection each time until it is answered 200 or `withinMs` has passed
 * (each try bounded by the time left); the last answer and the ms since the first try.
 */
export const sendUntilOk = async (
  port: number,
  data: string,
  withinMs: number,
): Promise<RawResponse & { elapsed: number }> => {
  const started = performance.now()
  for (;;) {
    const res = await sendRaw(port, data, { timeoutMs: withinMs })
    const elapsed = performance.now() - started
    if (res.status === 200 || elapsed >= withinMs) return { ...res, elapsed }
  }
}

/** An open connection that has sent nothing (or only `data`), for connection-cap tests. */
export const openIdle = (port: number, data = ''): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      if (data !== '') socket.write(data)
      resolve(socket)
    })
    socket.once('error', reject)
  })

/** `GET`-style request text: `headers` are lines like `Host: x`; `Connection: close` is added. */
export const rawRequest = (target: string, headers: readonly string[], method = 'GET'): string =>
  `${method} ${target} HTTP/1.1\r\n${[...headers, 'Connection: close'].map((h) => `${h}\r\n`).join('')}\r\n`
