// How an HTTP origin's answer becomes a stable source code. Auth and not-found are permanent
// until someone acts; throttling, 5xx and network trouble are transient (serve stale, retry).
import { ErrorCode } from '@clef-sh/errors'
import { HINT_NOT_PACKED, SourceError } from '../errors.ts'
import { networkCause } from './network-cause.ts'
import { parseRetryAfter } from './retry-after.ts'

/** Where a failure happened: `[GET] "<redacted url>"` and the source's `describe()`. */
export interface RequestContext {
  where: string
  source: string
}

/** An origin answer that is neither 200 nor a usable 304. */
export interface StatusAnswer {
  status: number
  statusText: string
  retryAfter: string | null
  now: number
}

const HINT_AUTH = 'check the credentials and that they grant read access to the artifact (permissions)'

/**
 * The error for a non-success status: 401/403 → `source_auth`, 404 → `source_not_found`,
 * 429 → `source_rate_limited` (transient), 5xx → `source_unreachable` (transient), anything else
 * → `source_invalid_response`. Retry-After is honoured on 429 and 503.
 */
export const statusToSourceError = (ctx: RequestContext, answer: StatusAnswer): SourceError => {
  const { status } = answer
  const message = `${ctx.where}: ${status} ${answer.statusText}`.trimEnd()
  const base = { source: ctx.source, status }
  const retryAfterMs =
    status === 429 || status === 503 ? parseRetryAfter(answer.retryAfter, answer.now) : undefined
  if (status === 401 || status === 403) {
    return new SourceError(ErrorCode.SourceAuth, message, { ...base, hint: HINT_AUTH })
  }
  if (status === 404) {
    return new SourceError(ErrorCode.SourceNotFound, message, { ...base, hint: HINT_NOT_PACKED })
  }
  if (status === 429) {
    return new SourceError(ErrorCode.SourceRateLimited, message, { ...base, retryAfterMs, transient: true })
  }
  if (status >= 500 && status <= 599) {
    return new SourceError(ErrorCode.SourceUnreachable, message, { ...base, retryAfterMs, transient: true })
  }
  const hint = 'expected 200 or 304 from the origin; check that the URL names the artifact itself'
  return new SourceError(ErrorCode.SourceInvalidResponse, message, { ...base, hint })
}

/** Why a request died before or while its body arrived. */
export interface NetworkFailure {
  cause: unknown
  /** The caller's signal fired (agent stopping). */
  aborted: boolean
  /** Our own timeout fired. */
  timeoutMs: number | undefined
}

const networkDetail = (failure: NetworkFailure): { detail: string; hint?: string | undefined } => {
  if (failure.aborted) return { detail: 'aborted' }
  if (failure.timeoutMs !== undefined) return { detail: `timed out after ${failure.timeoutMs} ms` }
  const { code, hint } = networkCause(failure.cause)
  return { detail: `request failed (${code})`, hint }
}

/**
 * `source_unreachable`, transient, for a network error, a timeout or an abort. Only an errno or
 * TLS code reaches the message (see {@link networkCause}), with a hint for the common ones: a
 * foreign error's text could quote the unredacted URL.
 */
export const networkToSourceError = (ctx: RequestContext, failure: NetworkFailure): SourceError => {
  const { detail, hint } = networkDetail(failure)
  return new SourceError(ErrorCode.SourceUnreachable, `${ctx.where}: ${detail}`, {
    source: ctx.source,
    cause: failure.cause,
    transient: true,
    ...(hint === undefined ? {} : { hint }),
  })
}
