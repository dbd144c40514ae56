// The production KmsResolver: maps an envelope's `provider` to its adapter, creating each adapter
// (and loading its SDK) on the first envelope that needs it, once.
import { AgentError, ErrorCode, type Logger } from '@clef-sh/errors'
import type { KmsResolver } from '../create-decryptor.ts'
import type { KmsUnwrapper } from '../decryptor.ts'
import { createAwsKmsUnwrapper, type AwsKmsOptions } from './aws-kms-unwrapper.ts'

/** Options of {@link createKmsResolver}. */
export interface KmsResolverOptions {
  /** Options of the AWS adapter; default: the standard AWS SDK configuration. */
  aws?: AwsKmsOptions
  /** Passed to adapters that have no logger of their own. */
  logger?: Logger
}

/** Providers this build has adapters for. */
export const SUPPORTED_KMS_PROVIDERS: readonly string[] = ['aws']

/**
 * Creates a resolver: `aws` → the AWS KMS adapter, created lazily and memoized (concurrent first
 * envelopes share one SDK load and one client; a failed creation is retried next time). Does no
 * I/O until the first `aws` envelope. Any other provider (`gcp`, `azure`, …) rejects with
 * AgentError `kms_unsupported_provider`; creation failures reject with `kms_unwrap`.
 */
export const createKmsResolver = (opts: KmsResolverOptions = {}): KmsResolver => {
  let aws: Promise<KmsUnwrapper> | undefined

  const awsUnwrapper = (): Promise<KmsUnwrapper> => {
    const logger = opts.aws?.logger ?? opts.logger
    const created = createAwsKmsUnwrapper(logger === undefined ? { ...opts.aws } : { ...opts.aws, logger })
    created.catch(() => {
      if (aws === created) aws = undefined
    })
    return created
  }

  return async (provider) => {
    if (provider === 'aws') {
      aws ??= awsUnwrapper()
      return aws
    }
    throw new AgentError(
      ErrorCode.KmsUnsupportedProvider,
      `KMS provider ${JSON.stringify(provider.slice(0, 40))} is not supported: this build supports ${SUPPORTED_KMS_PROVIDERS.join(', ')} only`,
      { hint: 'repack the artifact with an AWS KMS key, or decrypt it with a build that has this adapter' },
    )
  }
}
