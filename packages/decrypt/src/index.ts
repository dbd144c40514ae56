/**
 * Turns a checked artifact into its secrets: age (X25519 on node:crypto, post-quantum hybrid
 * through age-encryption) or a KMS envelope (AWS KMS, loaded only when one appears).
 *
 * @packageDocumentation
 * @module @clef-sh/decrypt
 */
export { createDecryptor } from './create-decryptor.ts'
export { parseAgeKeyFile } from './age-key-file.ts'
export { parseSecretValues } from './secret-values.ts'
export type { DecryptorOptions, KmsResolver } from './create-decryptor.ts'
export type { DecryptOptions, Decryptor, KmsUnwrapper, UnwrapRequest } from './decryptor.ts'
export { createAwsKmsUnwrapper } from './kms/aws-kms-unwrapper.ts'
export type { AwsKmsOptions } from './kms/aws-kms-unwrapper.ts'
export { createKmsResolver, SUPPORTED_KMS_PROVIDERS } from './kms/kms-resolver.ts'
export type { KmsResolverOptions } from './kms/kms-resolver.ts'
export { createBulkPool } from './bulk/worker-pool.ts'
export type { BulkPool, BulkPoolOptions } from './bulk/worker-pool.ts'
export type { BulkOpener } from './bulk/in-thread.ts'
export type { GcmBox, Opened } from './bulk/sealed-openers.ts'
