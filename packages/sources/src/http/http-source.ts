// Fetches the artifact from any HTTP(S) URL (a CDN, an object store's public URL, an internal
// server), revalidating with If-None-Match so an unchanged artifact costs one empty 304.
import { ErrorCode, type Logger } from '@clef-sh/errors'
import { SourceError } from '../errors.ts'
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, decodeUtf8 } from '../limits.ts'
import type { ArtifactSource, FetchRequest, FetchResult } from '../source.ts'
import { guardRedirects } from './guarded-fetch.ts'
import { networkToSourceError, statusToSourceError, type RequestContext } from './http-errors.ts'
import { parseHttpTarget, type HttpTarget } from './http-target.ts'
import { discardBody, readCappedBody } from './read-body.ts'

const HINT_SIZE = 'check that the URL names a packed artifact, or raise the size cap'
const HINT_UTF8 = 'the origin must serve the packed artifact as UTF-8 JSON'

/** Options of {@link HttpSource}. */
export interface HttpSourceOptions {
  /** http(s) URL. Userinfo (`user:pass@`) is sent as Basic auth and never logged. */
  url: string
  /** Extra request headers; an explicit `Authorization` wins over the URL's userinfo. */
  headers?: Record<string, string> | undefined
  /** Timeout of one fetch, body included. Default 10 s. */
  timeoutMs?: number | undefined
  /** Size cap of the body in bytes. Default 16 MiB. */
  maxBytes?: number | undefined
  /** Default the global fetch. */
  fetch?: typeof fetch | undefined
  /** Debug line per answer (status). Default: none. */
  logger?: Logger | undefined
  /** Clock for Retry-After dates, epoch ms. Default `Date.now`. */
  now?: (() => number) | undefined
}

/**
 * An artifact behind an HTTP(S) URL, revalidated with If-None-Match; the etag is the origin's ETag.
 * Throws AgentError `config_invalid` at construction for an invalid or non-http(s) URL. `fetch`
 * rejects with {@link SourceError}: `source_auth` (401/403), `source_not_found` (404),
 * `source_rate_limited` (429; transient, `retryAfterMs`), `source_unreachable` (5xx, network,
 * timeout, abort; transient), `source_too_large`, `source_invalid_response` (other statuses, a 304
 * without an etag sent, bad UTF-8), `source_redirect` (a redirect loop, or a redirect that would
 * take userinfo or configured headers off the https origin; see `guardRedirects`).
 */
export class HttpSource implements ArtifactSource {
  readonly kind = 'http'
  readonly #target: HttpTarget
  readonly #opts: HttpSourceOptions
  readonly #ctx: RequestContext
  readonly #fetch: typeof fetch

  constructor(opts: HttpSourceOptions) {
    this.#opts = opts
    this.#target = parseHttpTarget(opts.url)
    this.#ctx = { where: `[GET] "${this.#target.redacted}"`, source: this.describe() }
    // Userinfo and configured headers are credentials: they never follow a redirect off-origin.
    const credentialed =
      this.#target.authorization !== undefined || Object.keys(opts.headers ?? {}).length > 0
    this.#fetch = guardRedirects(opts.fetch ?? fetch, { credentialed, source: this.#ctx.source })
  }

  async fetch(req: FetchRequest): Promise<FetchResult> {
    const timeoutMs = this.#opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = AbortSignal.any([req.signal, timeout])
    try {
      const res = await this.#fetch(this.#target.url, {
        headers: this.#headers(req.etag),
        signal,
      })
      this.#opts.logger?.debug('http source answered', { source: this.#ctx.source, status: res.status })
      return await this.#answer(res, req.etag)
    } catch (e) {
      if (e instanceof SourceError) throw e
      const timedOut = timeout.aborted ? timeoutMs : undefined
      throw networkToSourceError(this.#ctx, { cause: e, aborted: req.signal.aborted, timeoutMs: timedOut })
    }
  }

  describe(): string {
    // The URL already names its scheme: a `http:` prefix would read `http:https://…`.
    return this.#target.redacted
  }

  #headers(etag: string | undefined): Headers {
    const headers = new Headers(this.#opts.headers)
    const { authorization } = this.#target
    if (authorization !== undefined && !headers.has('authorization'))
      headers.set('authorization', authorization)
    if (etag !== undefined) headers.set('if-none-match', etag)
    return headers
  }

  async #answer(res: Response, etag: string | undefined): Promise<FetchResult> {
    if (res.status === 200) return this.#readBody(res)
    discardBody(res)
    // A 304 to a request without If-None-Match names no known version: not a usable answer.
    if (res.status === 304 && etag !== undefined) return { changed: false, etag }
    throw statusToSourceError(this.#ctx, {
      status: res.status,
      statusText: res.statusText,
      retryAfter: res.headers.get('retry-after'),
      now: (this.#opts.now ?? Date.now)(),
    })
  }

  async #readBody(res: Response): Promise<FetchResult> {
    const maxBytes = this.#opts.maxBytes ?? DEFAULT_MAX_BYTES
    const length = Number(res.headers.get('content-length') ?? Number.NaN)
    if (length > maxBytes) {
      discardBody(res)
      throw this.#fail(
        ErrorCode.SourceTooLarge,
        `Content-Length ${length} exceeds the ${maxBytes}-byte cap`,
        HINT_SIZE,
      )
    }
    const bytes = await readCappedBody(res.body, maxBytes)
    if (bytes === undefined)
      throw this.#fail(ErrorCode.SourceTooLarge, `body exceeds the ${maxBytes}-byte cap`, HINT_SIZE)
    const body = decodeUtf8(bytes)
    if (body === undefined)
      throw this.#fail(ErrorCode.SourceInvalidResponse, 'body is not valid UTF-8', HINT_UTF8)
    return { changed: true, body, etag: res.headers.get('etag') ?? undefined }
  }

  #fail(code: ErrorCode, detail: string, hint: string): SourceError {
    return new SourceError(code, `${this.#ctx.where}: ${detail}`, {
      source: this.#ctx.source,
      status: 200,
      hint,
    })
  }
}
