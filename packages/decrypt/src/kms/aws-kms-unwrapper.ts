// The AWS KMS adapter: unwraps an envelope's data key with KMS Decrypt through the official SDK.
// The SDK is imported only when an adapter is created, so age-only deployments never load it.
import type * as KmsSdk from '@aws-sdk/client-kms'
import type { EncryptionAlgorithmSpec, KMSClientConfig } from '@aws-sdk/client-kms'
import { AgentError, ErrorCode, noopLogger, type Logger } from '@clef-sh/errors'
import type { KmsUnwrapper, UnwrapRequest } from '../decryptor.ts'
import { toKmsUnwrapError } from './aws-kms-errors.ts'

/** Options of {@link createAwsKmsUnwrapper}. */
export interface AwsKmsOptions {
  /**
   * KMSClient configuration, merged over the SDK defaults. Production leaves it out: region,
   * credentials and `AWS_ENDPOINT_URL_KMS` / `AWS_ENDPOINT_URL` come from the default chain.
   */
  client?: KMSClientConfig
  /** Attempts per Decrypt, retries included (SDK standard retry with backoff). SDK default: 3. */
  maxAttempts?: number
  /** Deadline of one unwrap, retries included. Default 10 000 ms. */
  timeoutMs?: number
  /** Debug lines (client ready, attempts per Decrypt); never key material. Default: drop everything. */
  logger?: Logger
}

const DEFAULT_TIMEOUT_MS = 10_000

const loadSdk = async (): Promise<typeof KmsSdk> => {
  try {
    return await import('@aws-sdk/client-kms')
  } catch (cause) {
    // An optional peer dependency: only agents whose artifacts use the KMS envelope install it.
    throw new AgentError(ErrorCode.KmsUnwrap, 'cannot load @aws-sdk/client-kms', {
      cause,
      hint: 'install @aws-sdk/client-kms to use an artifact wrapped with AWS KMS',
    })
  }
}

const deadline = (timeoutMs: number, signal: AbortSignal | undefined) => {
  const timeout = AbortSignal.timeout(timeoutMs)
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
  return { signal: combined, timedOut: (): boolean => timeout.aborted && signal?.aborted !== true }
}

/**
 * Imports the AWS SDK and creates a KMS client with the default SDK configuration (plus
 * `opts.client`). `unwrap` sends `Decrypt({ KeyId, CiphertextBlob, EncryptionAlgorithm })` with
 * the request's abort signal and returns the plaintext DEK. Throttling and 5xx are retried by the
 * SDK. `unwrap` rejects with AgentError `kms_unwrap`: transient for throttling, KMS internal
 * errors, 5xx, network errors, aborts and timeouts; permanent for access denied, invalid
 * ciphertext, wrong/disabled/missing key, missing credentials and an answer without plaintext.
 * Creation rejects with `kms_unwrap` (permanent) when the SDK cannot be loaded; it sends no request.
 */
export const createAwsKmsUnwrapper = async (opts: AwsKmsOptions = {}): Promise<KmsUnwrapper> => {
  const logger = opts.logger ?? noopLogger
  const started = performance.now()
  const sdk = await loadSdk()
  const client = new sdk.KMSClient({
    ...opts.client,
    ...(opts.maxAttempts === undefined ? {} : { maxAttempts: opts.maxAttempts }),
  })
  logger.debug('aws kms client ready', { ms: Math.round(performance.now() - started) })
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS

  const unwrap = async ({ keyId, wrappedKey, algorithm, signal }: UnwrapRequest): Promise<Uint8Array> => {
    const limit = deadline(timeoutMs, signal)
    const command = new sdk.DecryptCommand({
      KeyId: keyId,
      CiphertextBlob: wrappedKey,
      EncryptionAlgorithm: algorithm as EncryptionAlgorithmSpec,
    })
    try {
      const out = await client.send(command, { abortSignal: limit.signal })
      logger.debug('kms decrypt', { keyId, attempts: out.$metadata.attempts })
      if (out.Plaintext === undefined) {
        throw new AgentError(ErrorCode.KmsUnwrap, `KMS Decrypt with key ${keyId} returned no plaintext`)
      }
      return out.Plaintext
    } catch (e) {
      throw toKmsUnwrapError(e, { keyId, timedOutAfterMs: limit.timedOut() ? timeoutMs : undefined })
    }
  }

  return { provider: 'aws', unwrap }
}
