// Turns whatever the AWS SDK throws into AgentError `kms_unwrap`, deciding `transient`: throttling,
// 5xx, network failures and timeouts may pass; a refusal of the key or the credentials will not.
import { AgentError, ErrorCode, isAgentError } from '@clef-sh/errors'

/** Error types that say "try again later" whatever their status code. */
const TRANSIENT_TYPES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'InternalFailure',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
])

/** Socket-level failures: nothing reached KMS, so the key was not refused. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

const HINTS: Readonly<Record<string, string>> = {
  AccessDeniedException: 'the IAM policy (or key policy) must allow kms:Decrypt on this key',
  CredentialsProviderError: 'the default AWS credential chain found no credentials',
  IncorrectKeyException: 'the artifact was wrapped under another KMS key',
  InvalidCiphertextException: 'the wrapped key is not a ciphertext of this KMS (or of this key)',
  DisabledException: 'the KMS key is disabled',
  KMSInvalidStateException: 'the KMS key is pending deletion or otherwise unusable',
}

/** The parts of an SDK error this module reads; every one may be missing. */
interface SdkErrorLike {
  name?: unknown
  code?: unknown
  message?: unknown
  $fault?: unknown
  $metadata?: { httpStatusCode?: unknown }
}

const statusOf = (e: SdkErrorLike): number | undefined =>
  typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined

const isTransient = (e: SdkErrorLike): boolean => {
  if (typeof e.name === 'string' && TRANSIENT_TYPES.has(e.name)) return true
  const status = statusOf(e)
  if (status !== undefined) return status >= 500 || status === 429
  if (e.$fault === 'server') return true
  // Credentials and client configuration (e.g. no region) stay broken until someone fixes them.
  return typeof e.code === 'string' && NETWORK_CODES.has(e.code)
}

/** The KMS error type, or what stands in for one when KMS did not answer with a typed error. */
const typeOf = (e: SdkErrorLike): string => {
  const name = typeof e.name === 'string' ? e.name : 'Error'
  if (e.$fault !== undefined) return name
  const status = statusOf(e)
  if (status !== undefined) return `HTTP ${status}`
  return typeof e.code === 'string' ? e.code : name
}

// A KMS message never carries the blob, but a base64 run that could be key material is cut anyway.
const scrub = (text: string): string => text.replace(/[A-Za-z0-9+/=]{40,}/g, '[…]').slice(0, 300)

const detailOf = (e: SdkErrorLike, type: string): string => {
  if (type.startsWith('HTTP ') || typeof e.message !== 'string' || e.message === '') return ''
  return `: ${scrub(e.message)}`
}

/** Context of {@link toKmsUnwrapError}. */
export interface KmsErrorContext {
  keyId: string
  /** The unwrapper's own deadline fired (not the caller's signal). */
  timedOutAfterMs?: number | undefined
}

/**
 * Maps a failure of KMS Decrypt to AgentError `kms_unwrap`. The message names the KMS error type
 * and the key ARN, never the wrapped key or the plaintext. AgentErrors pass through unchanged.
 */
export const toKmsUnwrapError = (cause: unknown, ctx: KmsErrorContext): AgentError => {
  if (isAgentError(cause)) return cause
  const e: SdkErrorLike = typeof cause === 'object' && cause !== null ? cause : { message: String(cause) }
  const prefix = `KMS Decrypt with key ${ctx.keyId} failed`
  if (ctx.timedOutAfterMs !== undefined) {
    return new AgentError(ErrorCode.KmsUnwrap, `${prefix}: timed out after ${ctx.timedOutAfterMs} ms`, {
      transient: true,
      cause,
    })
  }
  const type = typeOf(e)
  const hint = HINTS[type]
  return new AgentError(ErrorCode.KmsUnwrap, `${prefix}: ${type}${detailOf(e, type)}`, {
    transient: isTransient(e),
    cause,
    ...(hint === undefined ? {} : { hint }),
  })
}
