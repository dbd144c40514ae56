// The decrypt seam: one interface for age and KMS-envelope artifacts, so the agent never checks
// which mode an artifact is in.
import type { PackedArtifact, SecretValues } from '@clef-sh/artifact-format'

/** Per-call options of {@link Decryptor.decrypt}. */
export interface DecryptOptions {
  signal?: AbortSignal
}

/**
 * Turns a validated artifact into its plaintext values.
 * Throws AgentError `decrypt` (wrong key, corrupt ciphertext, payload not `{ns:{key:string}}`),
 * `kms_unwrap` (the KMS refused or failed; `transient` for throttling/5xx/network) or
 * `kms_unsupported_provider`.
 */
export interface Decryptor {
  decrypt(artifact: PackedArtifact, opts?: DecryptOptions): Promise<SecretValues>
}

/** Request to unwrap an envelope's data key. */
export interface UnwrapRequest {
  keyId: string
  wrappedKey: Uint8Array
  algorithm: string
  signal?: AbortSignal
}

/**
 * A KMS adapter (AWS now; GCP/Azure later). Returns the 32-byte DEK; the caller zeroes it.
 * Throws AgentError `kms_unwrap`.
 */
export interface KmsUnwrapper {
  readonly provider: string
  unwrap(req: UnwrapRequest): Promise<Uint8Array>
}
