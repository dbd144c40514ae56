// Fetches the artifact from S3 (or an S3-compatible store) with a SigV4-signed GetObject through
// the official SDK, revalidating with If-None-Match. The SDK is imported on the first fetch only.
import type * as S3Sdk from '@aws-sdk/client-s3'
import type { GetObjectCommandOutput, S3Client, S3ClientConfig } from '@aws-sdk/client-s3'
import { ErrorCode, noopLogger, type Logger } from '@clef-sh/errors'
import { SourceError } from '../errors.ts'
import type { RequestContext } from '../http/http-errors.ts'
import { readCappedBody } from '../http/read-body.ts'
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, decodeUtf8 } from '../limits.ts'
import type { ArtifactSource, FetchRequest, FetchResult } from '../source.ts'
import { toS3SourceError } from './s3-errors.ts'
import { createS3RetryStrategy, S3_MAX_ATTEMPTS } from './s3-retry.ts'
import { impliesPathStyle } from './s3-url.ts'
import { lazyClient } from '../lazy-client.ts'

const HINT_SIZE = 'check that the key names a packed artifact, or raise the size cap'
const HINT_UTF8 = 'the object must be the packed artifact, UTF-8 JSON'

/** Options of {@link S3Source}. */
export interface S3SourceOptions {
  bucket: string
  /** The object key, not percent-encoded. */
  key: string
  /** Default: the SDK's chain (AWS_REGION, shared config…). */
  region?: string | undefined
  /** An S3-compatible endpoint. Default: the SDK's (AWS_ENDPOINT_URL_S3, else AWS). */
  endpoint?: string | undefined
  /** Path-style addressing. Default: true when `endpoint` is an IP or localhost. */
  forcePathStyle?: boolean | undefined
  /** S3Client configuration under the options above (tests, embedding). Default: SDK defaults. */
  client?: S3ClientConfig | undefined
  /** Timeout of one fetch, body included. Default 10 s. */
  timeoutMs?: number | undefined
  /** Size cap of the object in bytes. Default 16 MiB. */
  maxBytes?: number | undefined
  /** Debug line per answer (status, attempts). Default: drop everything. */
  logger?: Logger | undefined
  /** Clock for Retry-After dates, epoch ms. Default `Date.now`. */
  now?: (() => number) | undefined
}

type Sdk = typeof S3Sdk
type Body = NonNullable<GetObjectCommandOutput['Body']>

/** Rejects when `signal` fires, even if `work` never settles (e.g. a stuck credential provider). */
const untilAborted = <T>(work: Promise<T>, signal: AbortSignal): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      const reason: unknown = signal.reason
      reject(reason instanceof Error ? reason : new Error(String(reason)))
    }
    if (signal.aborted) onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort)
    })
  })

const discard = (body: Body | undefined): void => {
  body
    ?.transformToWebStream()
    .cancel()
    .catch(() => {})
}

/**
 * An artifact in S3. Credentials, region and endpoint come from the SDK's default chain unless
 * given; the SDK is imported on the first fetch (the constructor does no I/O and never throws). The
 * etag is the object's ETag. `fetch` rejects with {@link SourceError}: `source_auth` (401/403,
 * bad or missing credentials), `source_not_found` (NoSuchKey, NoSuchBucket, 404),
 * `source_rate_limited` (SlowDown, 429; transient), `source_unreachable` (5xx, network, timeout,
 * abort: transient; an SDK that fails to load: permanent), `source_too_large`,
 * `source_invalid_response` (bad UTF-8, wrong region, other statuses), `config_invalid` (no region).
 */
export class S3Source implements ArtifactSource {
  readonly kind = 's3'
  readonly #opts: S3SourceOptions
  readonly #ctx: RequestContext
  readonly #connect: () => Promise<{ sdk: Sdk; client: S3Client }>

  constructor(opts: S3SourceOptions) {
    this.#opts = opts
    this.#ctx = { where: `[GET] "${this.describe()}"`, source: this.describe() }
    this.#connect = lazyClient(
      () =>
        import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: new sdk.S3Client(this.#clientConfig()) })),
      { module: '@aws-sdk/client-s3', kind: 's3', ...this.#ctx },
    )
  }

  async fetch(req: FetchRequest): Promise<FetchResult> {
    const timeoutMs = this.#opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = AbortSignal.any([req.signal, timeout])
    try {
      const { sdk, client } = await untilAborted(this.#connect(), signal)
      const command = new sdk.GetObjectCommand({
        Bucket: this.#opts.bucket,
        Key: this.#opts.key,
        IfNoneMatch: req.etag,
      })
      const out = await untilAborted(client.send(command, { abortSignal: signal }), signal)
      this.#log(200, out.$metadata.attempts)
      return await this.#readBody(out)
    } catch (e) {
      if (e instanceof SourceError) throw e
      const status = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode
      this.#log(status, undefined)
      // A 304 to a request without If-None-Match names no known version: not a usable answer.
      if (status === 304 && req.etag !== undefined) return { changed: false, etag: req.etag }
      throw toS3SourceError(this.#ctx, {
        cause: e,
        aborted: req.signal.aborted,
        timeoutMs: timeout.aborted ? timeoutMs : undefined,
        now: (this.#opts.now ?? Date.now)(),
      })
    }
  }

  describe(): string {
    return `s3://${this.#opts.bucket}/${this.#opts.key}`
  }

  /** Loads @aws-sdk/client-s3; `config_invalid` ("install @aws-sdk/client-s3 …") when it is missing. */
  async prepare(): Promise<void> {
    await this.#connect()
  }

  #clientConfig(): S3ClientConfig {
    const { region, endpoint, forcePathStyle, client } = this.#opts
    const pathStyle = forcePathStyle ?? (endpoint === undefined ? undefined : impliesPathStyle(endpoint))
    return {
      // A bucket outside the configured region answers 301: follow it rather than fail.
      followRegionRedirects: true,
      ...client,
      maxAttempts: S3_MAX_ATTEMPTS,
      retryStrategy: createS3RetryStrategy(),
      ...(region === undefined ? {} : { region }),
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(pathStyle === undefined ? {} : { forcePathStyle: pathStyle }),
    }
  }

  async #readBody(out: GetObjectCommandOutput): Promise<FetchResult> {
    const maxBytes = this.#opts.maxBytes ?? DEFAULT_MAX_BYTES
    const length = out.ContentLength
    if (length !== undefined && length > maxBytes) {
      discard(out.Body)
      throw this.#fail(
        ErrorCode.SourceTooLarge,
        `ContentLength ${length} exceeds the ${maxBytes}-byte cap`,
        HINT_SIZE,
      )
    }
    const bytes = await readCappedBody(out.Body?.transformToWebStream() ?? null, maxBytes)
    if (bytes === undefined) {
      throw this.#fail(ErrorCode.SourceTooLarge, `body exceeds the ${maxBytes}-byte cap`, HINT_SIZE)
    }
    const body = decodeUtf8(bytes)
    if (body === undefined)
      throw this.#fail(ErrorCode.SourceInvalidResponse, 'body is not valid UTF-8', HINT_UTF8)
    return { changed: true, body, etag: out.ETag }
  }

  #fail(code: ErrorCode, detail: string, hint: string): SourceError {
    return new SourceError(code, `${this.#ctx.where}: ${detail}`, {
      source: this.#ctx.source,
      status: 200,
      hint,
    })
  }

  #log(status: number | undefined, attempts: number | undefined): void {
    const logger = this.#opts.logger ?? noopLogger
    logger.debug('s3 source answered', { source: this.#ctx.source, status, attempts })
  }
}
