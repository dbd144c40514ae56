// The exporter: events go into a bounded queue synchronously and leave in batches on an unref'd
// timer, one request at a time, with backoff while the collector fails. Nothing here ever runs
// on the caller's path except one push.
import { noopLogger, redactUrl, type Logger } from '@clef-sh/errors'
import { createBoundedQueue } from './bounded-queue.ts'
import { resolveLogsEndpoint } from './endpoint.ts'
import type { TelemetryEvent } from './events.ts'
import { buildExportRequest, type QueuedEvent, type TelemetryResource } from './otlp-json.ts'
import { postLogs, type PostResult } from './post-logs.ts'

/** Options of {@link createTelemetry}. Only `url` and `resource` are required. */
export interface TelemetryOptions {
  /** The collector; `/v1/logs` is appended when the URL has no path. */
  url: URL | string
  /** Read at every request, so identity and environment can appear once known. */
  resource: TelemetryResource | (() => TelemetryResource)
  /** Extra request headers (auth), read at every request. */
  headers?: () => Record<string, string>
  /** Default the global fetch. */
  fetch?: typeof fetch
  /** Epoch ms of each event. Default `Date.now`. */
  now?: () => number
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number
  /** Events held at most; the oldest is dropped beyond. Default 1000. */
  maxBuffer?: number
  /** Events per request at most. Default 500. */
  maxBatch?: number
  /** Default 10 000 ms. */
  flushIntervalMs?: number
  /** Default 5000 ms. */
  requestTimeoutMs?: number
  /** Failed attempts after which a batch is dropped. Default 5. */
  maxAttempts?: number
  /** First retry delay, doubled per consecutive failure up to `retryMaxMs`. Default 1000 / 30 000 ms. */
  retryBaseMs?: number
  /** Cap of the retry delay (a Retry-After up to 5 min wins). Default 30 000 ms. */
  retryMaxMs?: number
  /** Hears the first failure of a streak and the recovery, with the redacted URL. Default: none. */
  logger?: Logger
}

/** Counters since creation: records accepted by the collector, records dropped, failed requests. */
export interface TelemetryStats {
  /** Records the collector accepted. */
  sent: number
  /** Records lost: queue full, refused by the collector, given up on, or emitted or left at shutdown. */
  dropped: number
  /** Export requests that failed (each retry counts). */
  failed: number
}

/** A running exporter. */
export interface Telemetry {
  /** Queues `event`. Synchronous, O(1), never throws; counts a drop when the queue is full or closed. */
  emit(event: TelemetryEvent): void
  /** Sends everything queued now, ignoring backoff; resolves after the last request ended. Never rejects. */
  flush(): Promise<void>
  /**
   * Stops the timer, flushes for at most `timeoutMs`, then cuts the request in flight and counts
   * what is left as dropped. Idempotent (later calls return the first promise). Never rejects.
   */
  shutdown(timeoutMs: number): Promise<void>
  /** Live counters (the same object over time). */
  readonly stats: Readonly<TelemetryStats>
  /** Events held (queued or awaiting a retry). */
  readonly queued: number
}

interface Batch {
  readonly events: QueuedEvent[]
  attempts: number
}

/**
 * Creates the exporter. Does no I/O until the first `emit` arms the flush timer (unref'd: it never
 * keeps the process alive) or `flush()` is called. Throws like {@link resolveLogsEndpoint}
 * (AgentError `config_invalid` for a URL that does not parse or is not http(s)).
 */
export const createTelemetry = (opts: TelemetryOptions): Telemetry => {
  const endpoint = resolveLogsEndpoint(opts.url)
  const where = redactUrl(endpoint.url)
  const logger = opts.logger ?? noopLogger
  const now = opts.now ?? Date.now
  const random = opts.random ?? Math.random
  const maxBatch = opts.maxBatch ?? 500
  const maxAttempts = opts.maxAttempts ?? 5
  const queue = createBoundedQueue<QueuedEvent>(opts.maxBuffer ?? 1000)
  const stats: TelemetryStats = { sent: 0, dropped: 0, failed: 0 }
  const closing = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  let batch: Batch | undefined
  let sending: Promise<void> | undefined
  let failures = 0
  let closed = false
  let shutdownDone: Promise<void> | undefined

  const disarm = (): void => {
    clearTimeout(timer)
    timer = undefined
  }
  const arm = (ms: number): void => {
    disarm()
    timer = setTimeout(() => {
      timer = undefined
      void flush()
    }, ms)
    // Telemetry alone never keeps the process alive.
    timer.unref()
  }
  const backoff = (): number =>
    Math.min(opts.retryMaxMs ?? 30_000, (opts.retryBaseMs ?? 1000) * 2 ** (failures - 1)) *
    (0.5 + random() / 2)

  const send = (b: Batch): Promise<PostResult> => {
    let body: string
    let headers: Record<string, string>
    try {
      body = JSON.stringify(
        buildExportRequest(typeof opts.resource === 'function' ? opts.resource() : opts.resource, b.events),
      )
      headers = { ...endpoint.headers, ...opts.headers?.() }
    } catch {
      return Promise.resolve({ ok: false, retryable: false, error: 'encode' })
    }
    const timeoutMs = opts.requestTimeoutMs ?? 5000
    return postLogs({
      url: endpoint.url,
      body,
      headers,
      fetch: opts.fetch ?? fetch,
      timeoutMs,
      signal: closing.signal,
    })
  }

  const succeeded = (b: Batch, rejected: number): void => {
    const refused = Math.min(rejected, b.events.length)
    stats.sent += b.events.length - refused
    stats.dropped += refused
    if (failures > 0) logger.info('telemetry export recovered', { url: where, dropped: stats.dropped })
    failures = 0
  }
  const failed = (b: Batch, result: Extract<PostResult, { ok: false }>): void => {
    stats.failed += 1
    failures += 1
    b.attempts += 1
    const giveUp = !result.retryable || b.attempts >= maxAttempts
    if (failures === 1) {
      const why = result.status === undefined ? { error: result.error } : { status: result.status }
      logger.warn('telemetry export failed', { url: where, ...why, retrying: !giveUp })
    }
    if (giveUp) {
      stats.dropped += b.events.length
      batch = undefined
    }
    if (!closed) arm(result.retryAfterMs ?? backoff())
  }

  const drain = async (): Promise<void> => {
    for (;;) {
      if (batch === undefined) {
        const events = queue.take(maxBatch)
        if (events.length === 0) return
        batch = { events, attempts: 0 }
      }
      const b = batch
      const result = await send(b)
      if (!result.ok) {
        failed(b, result)
        return
      }
      batch = undefined
      succeeded(b, result.rejected)
    }
  }
  const flush = (): Promise<void> =>
    (sending ??= drain().finally(() => {
      sending = undefined
    }))

  const shutdown = async (timeoutMs: number): Promise<void> => {
    closed = true
    disarm()
    let deadline: ReturnType<typeof setTimeout> | undefined
    const expired = new Promise<void>((resolve) => {
      deadline = setTimeout(resolve, timeoutMs)
    })
    // A request already in flight carries older events; the queue still needs its own turn.
    const joined = sending !== undefined
    await Promise.race([flush().then(() => (joined ? flush() : undefined)), expired])
    clearTimeout(deadline)
    closing.abort()
    await sending
    stats.dropped += queue.size + (batch?.events.length ?? 0)
    queue.clear()
    batch = undefined
  }

  return {
    emit: (event) => {
      try {
        if (closed) {
          stats.dropped += 1
          return
        }
        if (!queue.push({ event, atMs: now() })) stats.dropped += 1
        if (timer === undefined && sending === undefined) arm(opts.flushIntervalMs ?? 10_000)
      } catch {
        stats.dropped += 1
      }
    },
    flush,
    shutdown: (timeoutMs) => (shutdownDone ??= shutdown(timeoutMs)),
    stats,
    get queued() {
      return queue.size + (batch?.events.length ?? 0)
    },
  }
}
