// One fetch of a VCS source: a deadline over all of its requests (the caller's signal and the
// timeout), bodies read under the size cap and strictly decoded, failures mapped to stable codes.
import { ErrorCode, redactUrl } from '@clef-sh/errors'
import { SourceError } from '../errors.ts'
import { networkToSourceError } from '../http/http-errors.ts'
import { discardBody, readCappedBody } from '../http/read-body.ts'
import { decodeUtf8 } from '../limits.ts'
import { vcsFailure, vcsStatusError } from './vcs-errors.ts'
import type { ResolvedVcs } from './vcs-options.ts'

/** A fetch in progress. */
export interface VcsCall {
  readonly vcs: ResolvedVcs
  /** Fires when the caller aborts or the timeout passes. */
  readonly signal: AbortSignal
  /** The `source_unreachable` (transient) for a request to `where` that died of `cause`. */
  fail(where: string, cause: unknown): SourceError
}

/** Starts the deadline of one fetch. */
export const startVcsCall = (vcs: ResolvedVcs, caller: AbortSignal): VcsCall => {
  const timeout = AbortSignal.timeout(vcs.timeoutMs)
  return {
    vcs,
    signal: AbortSignal.any([caller, timeout]),
    fail: (where, cause) =>
      networkToSourceError(
        { where, source: vcs.describe },
        { cause, aborted: caller.aborted, timeoutMs: timeout.aborted ? vcs.timeoutMs : undefined },
      ),
  }
}

/** A quoted validator (`"…"` or `W/"…"`) is an HTTP ETag; anything else is a blob id or commit. */
export const isHttpEtag = (etag: string): boolean => /^(W\/)?"/.test(etag)

/** A 200 body to read, with its Content-Length header. */
export interface ArtifactBody {
  body: ReadableStream<Uint8Array> | null
  contentLength: string | number | null | undefined
  /** Default the artifact cap; metadata answers get a smaller one. */
  maxBytes?: number | undefined
}

/**
 * The artifact text of a 200 answer. Throws `source_too_large` past the cap (announced or streamed),
 * `source_invalid_response` for bytes that are not UTF-8, `source_unreachable` if the body breaks off.
 */
export const readArtifact = async (call: VcsCall, where: string, res: ArtifactBody): Promise<string> => {
  const { describe } = call.vcs
  const maxBytes = res.maxBytes ?? call.vcs.maxBytes
  const ctx = { where, source: describe }
  const tooLarge = (detail: string): SourceError =>
    vcsFailure(ctx, {
      code: ErrorCode.SourceTooLarge,
      detail,
      hint: 'check that the repository file is a packed artifact, or raise the size cap',
    })
  const length = Number(res.contentLength ?? Number.NaN)
  if (length > maxBytes) {
    res.body?.cancel().catch(() => {})
    throw tooLarge(`Content-Length ${length} exceeds the ${maxBytes}-byte cap`)
  }
  let bytes: Uint8Array | undefined
  try {
    bytes = await readCappedBody(res.body, maxBytes)
  } catch (cause) {
    throw call.fail(where, cause)
  }
  if (bytes === undefined) throw tooLarge(`body exceeds the ${maxBytes}-byte cap`)
  const text = decodeUtf8(bytes)
  if (text !== undefined) return text
  const hint = 'the repository file must be the packed artifact, UTF-8 JSON'
  throw vcsFailure(ctx, { code: ErrorCode.SourceInvalidResponse, detail: 'body is not valid UTF-8', hint })
}

/** One request of a fetch. `if-none-match` in `headers` makes it conditional. */
export interface VcsRequest {
  url: string
  method: 'GET' | 'HEAD'
  headers: Headers
}

/** A usable answer: 200, or 304 to a conditional request. */
export interface VcsAnswer {
  status: number
  headers: Headers
  /** `[GET] "<redacted url>"`, for messages about this answer. */
  where: string
  /** The body under `maxBytes` (default the artifact cap; see {@link readArtifact}). */
  text(maxBytes?: number): Promise<string>
}

/**
 * Sends `req` with the call's fetch and deadline. Throws the mapped {@link SourceError} for any
 * other status (auth, not found, rate limited, 5xx…) and for network failures.
 */
export const vcsFetch = async (call: VcsCall, req: VcsRequest): Promise<VcsAnswer> => {
  const where = `[${req.method}] "${redactUrl(req.url)}"`
  const { vcs } = call
  let res: Response
  try {
    res = await vcs.fetch(req.url, { method: req.method, headers: req.headers, signal: call.signal })
  } catch (cause) {
    if (cause instanceof SourceError) throw cause
    throw call.fail(where, cause)
  }
  vcs.logger.debug('vcs source answered', { source: vcs.describe, method: req.method, status: res.status })
  const answer: VcsAnswer = {
    status: res.status,
    headers: res.headers,
    where,
    text: (maxBytes) =>
      readArtifact(call, where, {
        body: res.body,
        contentLength: res.headers.get('content-length'),
        maxBytes,
      }),
  }
  if (res.status === 200) return answer
  discardBody(res)
  // A 304 to a request without If-None-Match names no known version: not a usable answer.
  if (res.status === 304 && req.headers.has('if-none-match')) return answer
  const status = {
    status: res.status,
    statusText: res.statusText,
    retryAfter: res.headers.get('retry-after'),
    now: vcs.now(),
  }
  throw vcsStatusError({ where, source: vcs.describe }, status, vcs.authHint)
}
