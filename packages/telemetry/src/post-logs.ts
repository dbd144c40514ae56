// One export request: POST the JSON body with a timeout, read a capped answer and classify it the
// way the OTLP/HTTP spec asks (429/502/503/504 and network failures are retryable, the rest not).

/** How one export request ended. `rejected` counts records refused in a partial success. */
export type PostResult =
  | { ok: true; rejected: number }
  | { ok: false; retryable: boolean; status?: number; error?: string; retryAfterMs?: number }

/** Options of {@link postLogs}. */
export interface PostLogsOptions {
  url: URL
  body: string
  headers: Record<string, string>
  fetch: typeof fetch
  timeoutMs: number
  /** Aborted at shutdown, cutting the request in flight. */
  signal: AbortSignal
}

const RETRYABLE: ReadonlySet<number> = new Set([429, 502, 503, 504])
const MAX_ANSWER_BYTES = 64 * 1024
const MAX_RETRY_AFTER_MS = 300_000

const readCapped = async (res: Response): Promise<string> => {
  if (res.body === null) return ''
  const chunks: Uint8Array[] = []
  let total = 0
  // Leaving the loop early cancels the stream, so an oversized answer is not read to its end.
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength
    if (total > MAX_ANSWER_BYTES) break
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

const rejectedCount = (text: string): number => {
  try {
    const answer = JSON.parse(text) as { partialSuccess?: { rejectedLogRecords?: unknown } }
    const n = Number(answer.partialSuccess?.rejectedLogRecords ?? 0)
    return Number.isSafeInteger(n) && n > 0 ? n : 0
  } catch {
    return 0
  }
}

/** `Retry-After` in seconds or as an HTTP date, in ms from now (capped at 5 minutes). */
const retryAfterMs = (value: string | null, nowMs: number): number | undefined => {
  if (value === null) return undefined
  const seconds = Number(value)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - nowMs
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined
}

// Only a code or a name: a fetch error's message can quote a header value, i.e. the auth token.
const describeError = (e: unknown): string => {
  const cause = (e as { cause?: { code?: unknown } } | undefined)?.cause
  if (typeof cause?.code === 'string') return cause.code
  return e instanceof Error ? e.name : 'error'
}

/** Sends one ExportLogsServiceRequest. Never rejects. */
export const postLogs = async (opts: PostLogsOptions): Promise<PostResult> => {
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)])
  try {
    const res = await opts.fetch(opts.url, {
      method: 'POST',
      headers: { ...opts.headers, 'content-type': 'application/json' },
      body: opts.body,
      signal,
    })
    const text = await readCapped(res)
    if (res.ok) return { ok: true, rejected: rejectedCount(text) }
    const after = retryAfterMs(res.headers.get('retry-after'), Date.now())
    return {
      ok: false,
      retryable: RETRYABLE.has(res.status),
      status: res.status,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    }
  } catch (e) {
    const error = opts.signal.aborted ? 'aborted' : signal.aborted ? 'timeout' : describeError(e)
    return { ok: false, retryable: true, error }
  }
}
