// The packed artifact of docs/SPEC.md §1 (version 1) and the plaintext it carries.

/** KMS envelope of docs/SPEC.md §3: the wrapped data key and the AES-256-GCM parameters. */
export interface Envelope {
  /** The KMS that wrapped the DEK (`aws`; others are refused as `kms_unsupported_provider`). */
  provider: string
  /** The KMS key that wrapped the DEK (an AWS key ARN). */
  keyId: string
  /** base64 of the KMS ciphertext blob of the DEK */
  wrappedKey: string
  /** The KMS encryption algorithm of the wrap (e.g. `SYMMETRIC_DEFAULT`), passed to KMS Decrypt. */
  algorithm: string
  /** base64, 12 bytes */
  iv: string
  /** base64, 16 bytes */
  authTag: string
}

/** A packed artifact that passed the shape check. Unknown fields are dropped. */
export interface PackedArtifact {
  version: 1
  /** The service identity the artifact was packed for. */
  identity: string
  environment: string
  /** When it was packed, as written by the packer (ISO-8601). */
  packedAt: string
  /** `<unix-ms>-<hex>` when it can be ordered for rollback protection; any other form is accepted. */
  revision: string
  /** Lowercase hex SHA-256 of the `ciphertext` text (see {@link computeCiphertextHash}). */
  ciphertextHash: string
  /** base64: a binary age file, or with `envelope` the AES-256-GCM ciphertext without its tag. */
  ciphertext: string
  /** Present in KMS envelope mode; absent in age mode. */
  envelope?: Envelope
  /** ISO-8601 time after which the artifact must not be served. */
  expiresAt?: string
  /** base64 signature over {@link buildSigningPayload}. */
  signature?: string
  /** Informational only: verification follows the configured key's type, never this field. */
  signatureAlgorithm?: string
}

/** Decrypted plaintext: `{ namespace: { key: value } }`, every value a string. */
export type SecretValues = Record<string, Record<string, string>>
