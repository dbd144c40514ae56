// A fake artifact origin on a real socket: serves one artifact at any path, revalidates with
// ETag/If-None-Match, and can fail, stall, go down and come back, counting what it sent.
import { closeLocal, listenLocal, writeChunked } from './local-server.ts'
import { createHash } from 'node:crypto'
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type ServerResponse } from 'node:http'

/** Options of {@link startHttpOrigin}. */
export interface HttpOriginOptions {
  /** The artifact served at start. Without one, every request is 404 until `setBody`. */
  body?: string
  /** `auto` (default): a quoted SHA-256 prefix, honouring If-None-Match. `none`: no ETag. */
  etag?: 'auto' | 'none'
}

/** What the origin sent since start or the last `reset()`. */
export interface HttpOriginStats {
  requests: number
  notModified: number
  /** Response body bytes written, whatever the status. */
  bodyBytesSent: number
  /** Responses closed before they were complete (the client hung up, or `stop()`). */
  clientAborts: number
}

/** A running fake origin; `await using origin = await startHttpOrigin()`. */
export interface HttpOrigin extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/artifact.json` (any path serves the same artifact). */
  readonly url: string
  readonly port: number
  /** Latency added before each answer, in ms. */
  delayMs: number
  /** Send the body without Content-Length, in 16 KiB chunks that respect back-pressure. */
  chunked: boolean
  readonly stats: HttpOriginStats
  readonly lastRequestHeaders: IncomingHttpHeaders | undefined
  /** Replaces the artifact; `null` removes it (404). */
  setBody(text: string | null): void
  /** Answers `status` (with `headers`) to every request until called with `null`. */
  failWith(status: number | null, headers?: Record<string, string>): void
  /** Closes the listener and every socket: connections are refused, like an origin that is down. */
  stop(): Promise<void>
  /** Listens again on the same port. */
  restart(): Promise<void>
  /** Zeroes `stats` and forgets `lastRequestHeaders`. */
  reset(): void
  close(): Promise<void>
}

const etagOf = (body: Buffer): string => `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`

const matches = (ifNoneMatch: string | undefined, etag: string): boolean =>
  ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')

interface Answer {
  status: number
  payload: Buffer
  headers: Record<string, string>
}

const EMPTY = Buffer.alloc(0)

/** Starts an origin on 127.0.0.1, on a free port. */
export const startHttpOrigin = async (opts: HttpOriginOptions = {}): Promise<HttpOrigin> => {
  // The ETag is computed once per body, not per request (bodies may be many MiB).
  const artifact = (text: string | undefined | null) => {
    if (text === undefined || text === null) return null
    const payload = Buffer.from(text)
    return { payload, etag: opts.etag === 'none' ? undefined : etagOf(payload) }
  }
  let body = artifact(opts.body)
  let failure: Omit<Answer, 'payload'> | null = null
  let lastHeaders: IncomingHttpHeaders | undefined
  const stats: HttpOriginStats = { requests: 0, notModified: 0, bodyBytesSent: 0, clientAborts: 0 }

  const answer = (headers: IncomingHttpHeaders): Answer => {
    if (failure !== null) {
      const noBody = failure.status === 204 || failure.status === 304
      return { ...failure, payload: noBody ? EMPTY : Buffer.from(STATUS_CODES[failure.status] ?? 'Error') }
    }
    if (body === null) return { status: 404, payload: Buffer.from('Not Found'), headers: {} }
    const { payload, etag } = body
    if (etag === undefined) return { status: 200, payload, headers: { 'content-type': 'application/json' } }
    if (matches(headers['if-none-match'], etag)) {
      stats.notModified++
      return { status: 304, payload: EMPTY, headers: { etag } }
    }
    return { status: 200, payload, headers: { 'content-type': 'application/json', etag } }
  }

  const send = async (res: ServerResponse, { status, payload, headers }: Answer): Promise<void> => {
    res.writeHead(status, origin.chunked ? headers : { ...headers, 'content-length': String(payload.length) })
    await writeChunked(res, payload, (bytes) => {
      stats.bodyBytesSent += bytes
    })
  }

  const server = createServer((req, res) => {
    stats.requests++
    lastHeaders = req.headers
    const timer = setTimeout(() => void send(res, answer(req.headers)), origin.delayMs)
    res.once('close', () => {
      clearTimeout(timer)
      if (!res.writableFinished) stats.clientAborts++
    })
  })

  const stop = (): Promise<void> => closeLocal(server)
  const port = await listenLocal(server)
  const origin: HttpOrigin = {
    url: `http://127.0.0.1:${port}/artifact.json`,
    port,
    delayMs: 0,
    chunked: false,
    stats,
    get lastRequestHeaders() {
      return lastHeaders
    },
    setBody: (text) => {
      body = artifact(text)
    },
    failWith: (status, headers = {}) => {
      failure = status === null ? null : { status, headers }
    },
    stop,
    restart: async () => {
      await listenLocal(server, port)
    },
    reset: () => {
      Object.assign(stats, { requests: 0, notModified: 0, bodyBytesSent: 0, clientAborts: 0 })
      lastHeaders = undefined
    },
    close: stop,
    [Symbol.asyncDispose]: stop,
  }
  return origin
}
