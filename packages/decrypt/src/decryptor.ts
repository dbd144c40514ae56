// The decrypt seam: one interface for age and KMS-envelope artifacts, so the agent never checks
// which mode an artifact is in.
import type { PackedArtifact, SecretValues } from '@clef-sh/artifact-format'

/** Per-call options of {@link Decryptor.decrypt}. */
export interface DecryptOptions {
  /** Aborts the KMS unwrap of an envelope artifact; age decryption ignores it. */
  signal?: AbortSignal
}

/**
 * Turns a validated artifact into its plaintext values.
 * Rejects with AgentError `decrypt` (wrong key, corrupt ciphertext, payload not
 * `{ns:{key:string}}`), `kms_unwrap` (the KMS refused or failed; `transient` for
 * throttling/5xx/network/abort) or `kms_unsupported_provider`; see {@link createDecryptor} for the
 * one `config_invalid` case.
 */
export interface Decryptor {
  /** Resolves `{ namespace: { key: value } }` in the payload's order. */
  decrypt(artifact: PackedArtifact, opts?: DecryptOptions): Promise<SecretValues>
  /**
   * Resolves the plaintext bytes of `artifact`, neither parsed nor checked: for a caller that
   * already proved with `decrypt` that this very artifact opens to valid secrets (authenticated
   * encryption makes every later opening byte-identical) and serves the bytes as they are. The
   * caller owns the buffer. Rejects like `decrypt`, except for a payload that is not secrets.
   */
  plaintext(artifact: PackedArtifact, opts?: DecryptOptions): Promise<Uint8Array>
}

/** Request to unwrap an envelope's data key. */
export interface UnwrapRequest {
  /** The envelope's `keyId` (an AWS key ARN). */
  keyId: string
  /** The wrapped DEK, base64-decoded. */
  wrappedKey: Uint8Array
  /** The envelope's KMS encryption algorithm, passed through. */
  algorithm: string
  /** The caller's signal; an abort should reject with a transient `kms_unwrap`. */
  signal?: AbortSignal
}

/**
 * A KMS adapter (AWS now; GCP/Azure later). `unwrap` resolves the 32-byte DEK (the caller zeroes
 * it) or rejects with AgentError `kms_unwrap`, `transient` when a retry may succeed. The decryptor
 * turns any other rejection, and a DEK that is not 32 bytes, into a permanent `kms_unwrap`.
 */
export interface KmsUnwrapper {
  /** The envelope `provider` this adapter serves (`aws`). */
  readonly provider: string
  unwrap(req: UnwrapRequest): Promise<Uint8Array>
}
