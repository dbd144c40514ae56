// How whatever @aws-sdk/client-s3 throws becomes a stable source code: the S3 error code first
// (AccessDenied, NoSuchKey, SlowDown…), then the HTTP status, then the network failure.
import { ErrorCode } from '@clef-sh/errors'
import { SourceError } from '../errors.ts'
import { networkToSourceError, type RequestContext } from '../http/http-errors.ts'
import { parseRetryAfter } from '../http/retry-after.ts'

const AUTH_CODES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'AccountProblem',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
])
const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound'])
// S3 answers these when the request went to the wrong region's endpoint.
const REGION_CODES: ReadonlySet<string> = new Set([
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
])
const THROTTLE_CODES: ReadonlySet<string> = new Set([
  'SlowDown',
  'TooManyRequests',
  'Throttling',
  'RequestLimitExceeded',
])

/** The parts of an SDK error this module reads; every one may be missing. */
interface SdkErrorLike {
  name?: unknown
  message?: unknown
  $metadata?: { httpStatusCode?: unknown }
  $response?: { headers?: Record<string, string | undefined> }
}

/** What the caller knows about a failed GetObject. */
export interface S3Failure {
  cause: unknown
  /** The caller's signal fired (agent stopping). */
  aborted: boolean
  /** Our own deadline fired after this many ms. */
  timeoutMs: number | undefined
  /** Epoch ms, for Retry-After dates. */
  now: number
}

type Hints = Record<'auth' | 'key' | 'creds' | 'notFound' | 'region' | 'other', string>

const hintsFor = (source: string): Hints => {
  const object = source.slice('s3://'.length)
  return {
    auth: `the credentials must grant s3:GetObject on arn:aws:s3:::${object} (S3 also answers 403 for a missing key when s3:ListBucket is not granted)`,
    key: 'check the access key id and secret of the configured AWS credentials',
    creds:
      'no AWS credentials found: environment, shared config, web identity, ECS task role or EC2 instance role',
    notFound: `has the artifact been packed and uploaded to ${source}? check CLEF_AGENT_SOURCE`,
    region: 'set AWS_REGION, or name the region in the URL (https://bucket.s3.<region>.amazonaws.com/key)',
    other: 'expected the object or a 304 from S3; check the bucket, the key and AWS_ENDPOINT_URL_S3',
  }
}

const statusOf = (e: SdkErrorLike): number | undefined =>
  typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined

const retryAfterOf = (e: SdkErrorLike, now: number): number | undefined =>
  parseRetryAfter(e.$response?.headers?.['retry-after'], now)

const authHint = (name: string, hints: Hints): string => {
  if (name === 'CredentialsProviderError') return hints.creds
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') return hints.key
  return hints.auth
}

/** The S3 error code with the server's message, cut short: `AccessDenied: Access Denied`. */
const describeCode = (name: string, e: SdkErrorLike): string => {
  const message = typeof e.message === 'string' && e.message !== name ? e.message.slice(0, 200) : ''
  return message === '' || message === 'UnknownError' ? name : `${name}: ${message}`
}

/**
 * Maps a GetObject failure to a {@link SourceError}: auth codes / 401 / 403 / credential chain
 * → `source_auth`; NoSuchKey / NoSuchBucket / 404 → `source_not_found`; SlowDown / 429 →
 * `source_rate_limited` (transient, Retry-After honoured); 5xx, network, timeout, abort →
 * `source_unreachable` (transient); a missing region → `config_invalid`; any other status
 * (wrong region, 304 without an etag…) → `source_invalid_response`. Only the S3 code and message reach the text, never a credential.
 */
export const toS3SourceError = (ctx: RequestContext, failure: S3Failure): SourceError => {
  const e: SdkErrorLike = typeof failure.cause === 'object' && failure.cause !== null ? failure.cause : {}
  const name = typeof e.name === 'string' ? e.name : 'Error'
  const status = statusOf(e)
  const hints = hintsFor(ctx.source)
  const base = { source: ctx.source, status, cause: failure.cause }
  const message = `${ctx.where}: ${status === undefined ? '' : `${status} `}${describeCode(name, e)}`
  if (AUTH_CODES.has(name) || status === 401 || status === 403) {
    return new SourceError(ErrorCode.SourceAuth, message, { ...base, hint: authHint(name, hints) })
  }
  if (NOT_FOUND_CODES.has(name) || status === 404) {
    return new SourceError(ErrorCode.SourceNotFound, message, { ...base, hint: hints.notFound })
  }
  const retryAfterMs = retryAfterOf(e, failure.now)
  if (THROTTLE_CODES.has(name) || status === 429) {
    return new SourceError(ErrorCode.SourceRateLimited, message, { ...base, retryAfterMs, transient: true })
  }
  if (status !== undefined && status >= 500) {
    return new SourceError(ErrorCode.SourceUnreachable, message, { ...base, retryAfterMs, transient: true })
  }
  if (status !== undefined) {
    const hint = REGION_CODES.has(name) ? hints.region : hints.other
    return new SourceError(ErrorCode.SourceInvalidResponse, message, { ...base, hint })
  }
  if (e.message === 'Region is missing') {
    return new SourceError(ErrorCode.ConfigInvalid, `${ctx.where}: no AWS region`, {
      ...base,
      hint: hints.region,
    })
  }
  return networkToSourceError(ctx, failure)
}
