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
const REDIRECT: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 5
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

// Any header we send besides the content type is the collector's auth (userinfo, token, packed
// headers): it must not follow a redirect off the collector's https origin.
const mayFollow = (opts: PostLogsOptions, next: URL): boolean =>
  Object.keys(opts.headers).every((name) => name.toLowerCase() === 'content-type') ||
  (next.protocol === 'https:' && next.origin === opts.url.origin)

// Why a redirect is not followed, or undefined when it may be: only 307/308 keep a POST a POST.
const refusal = (
  opts: PostLogsOptions,
  hop: { status: number; next: URL; count: number },
): string | undefined => {
  const { status, next } = hop
  if (hop.count === MAX_REDIRECTS) return 'too many redirects'
  if (status !== 307 && status !== 308) return `redirect ${status} would drop the body`
  if (mayFollow(opts, next)) return undefined
  return `redirect to ${next.origin} refused (credentials stay on the same https origin)`
}

/**
 * Sends one ExportLogsServiceRequest. Never rejects. Follows at most 5 redirects, only 307/308,
 * and with auth headers only within the endpoint's https origin; any other redirect is a
 * non-retryable failure whose `error` says why.
 */
export const postLogs = async (opts: PostLogsOptions): Promise<PostResult> => {
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)])
  try {
    let url = opts.url
    let res: Response
    for (let hops = 0; ; hops++) {
      res = await opts.fetch(url, {
        method: 'POST',
        headers: { ...opts.headers, 'content-type': 'application/json' },
        body: opts.body,
        signal,
        redirect: 'manual',
      })
      const location = res.headers.get('location')
      if (!REDIRECT.has(res.status) || location === null) break
      await res.body?.cancel().catch(() => {})
      const next = new URL(location, url)
      const error = refusal(opts, { status: res.status, next, count: hops })
      if (error !== undefined) return { ok: false, retryable: false, error }
      url = next
    }
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
