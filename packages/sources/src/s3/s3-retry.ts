// The SDK's retry policy for the S3 source: the agent's refresh loop owns back-off and honours
// Retry-After, so the SDK retries only once, at once, when a reused keep-alive socket was reset.
import type { S3ClientConfig } from '@aws-sdk/client-s3'

type RetryStrategyV2 = Extract<NonNullable<S3ClientConfig['retryStrategy']>, { recordSuccess: unknown }>
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1]

/** Attempts per GetObject: the first, plus one retry of a reset connection. */
export const S3_MAX_ATTEMPTS = 2

// The server closed an idle pooled socket just as we reused it: nothing reached S3.
const RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE'])

const token = (retries: number): RetryToken => ({ getRetryCount: () => retries, getRetryDelay: () => 0 })

const isConnectionReset = (info: RetryErrorInfo): boolean => {
  const e: { code?: unknown; $response?: unknown } = info.error ?? {}
  return e.$response === undefined && typeof e.code === 'string' && RESET_CODES.has(e.code)
}

/**
 * A retry strategy for S3Client: one immediate retry after a connection reset, none for any
 * answer from S3 (throttling, 5xx, 4xx) or for timeouts, which go back to the agent's back-off.
 */
export const createS3RetryStrategy = (): RetryStrategyV2 => ({
  acquireInitialRetryToken: () => Promise.resolve(token(0)),
  refreshRetryTokenForRetry: (previous, info) => {
    const next = previous.getRetryCount() + 1
    if (next < S3_MAX_ATTEMPTS && isConnectionReset(info)) return Promise.resolve(token(next))
    return Promise.reject(new Error('no retry'))
  },
  recordSuccess: () => {},
})
