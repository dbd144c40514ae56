// The packed artifact of SPEC §1 (version 1) and the plaintext it carries.

/** KMS envelope of SPEC §3: the wrapped data key and the AES-256-GCM parameters. */
export interface Envelope {
  provider: string
  keyId: string
  /** base64 of the KMS ciphertext blob of the DEK */
  wrappedKey: string
  algorithm: string
  /** base64, 12 bytes */
  iv: string
  /** base64, 16 bytes */
  authTag: string
}

/** A packed artifact that passed the shape check. Unknown fields are dropped. */
export interface PackedArtifact {
  version: 1
  identity: string
  environment: string
  packedAt: string
  revision: string
  ciphertextHash: string
  ciphertext: string
  envelope?: Envelope
  expiresAt?: string
  signature?: string
  signatureAlgorithm?: string
}

/** Decrypted plaintext: `{ namespace: { key: value } }`, every value a string. */
export type SecretValues = Record<string, Record<string, string>>
