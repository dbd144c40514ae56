// The age X25519 recipient type (C2SP age spec, "The X25519 recipient type") on node:crypto: the
// key is imported once, and each unwrap is one OpenSSL X25519 plus HKDF and ChaCha20-Poly1305.
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto'
import { ageFailure } from './age-failure.ts'
import { decodeBase64 } from './base64.ts'
import { decodeBech32, encodeBech32 } from './bech32.ts'
import { openChaCha20Poly1305 } from './chacha.ts'
import { hkdfSha256 } from './hkdf.ts'
import type { AgeStanza } from './header.ts'

/** An X25519 identity, ready to unwrap file keys. */
export interface X25519Identity {
  /** The identity's recipient, `age1…`: its public key, safe to log. */
  readonly recipient: string
  /**
   * Returns the 16-byte file key of the first X25519 stanza addressed to this identity (the caller
   * zeroes it), or null when none is. Throws AgentError `decrypt` for a malformed X25519 stanza
   * met before that (spec: such a stanza is rejected, not skipped).
   */
  unwrap(stanzas: readonly AgeStanza[]): Buffer | null
}

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const LABEL = Buffer.from('age-encryption.org/v1/X25519')
const ZERO_NONCE = Buffer.alloc(12)
const IDENTITY_PREFIX = 'AGE-SECRET-KEY-1'

const invalidStanza = (): never => ageFailure('invalid X25519 stanza')

/** X25519 of our scalar and the share; the all-zero output (a low-order share) is refused. */
const sharedSecret = (privateKey: KeyObject, share: Buffer): Buffer => {
  let secret: Buffer
  try {
    // A JWK import is a raw-key import in OpenSSL, about ten times faster than its DER decoder.
    const jwk = { kty: 'OKP', crv: 'X25519', x: share.toString('base64url') }
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' })
    secret = diffieHellman({ privateKey, publicKey })
  } catch {
    // OpenSSL itself refuses to derive an all-zero secret.
    return invalidStanza()
  }
  if (secret.every((b) => b === 0)) return invalidStanza()
  return secret
}

const unwrapStanza = (privateKey: KeyObject, recipient: Buffer, s: AgeStanza): Buffer | null => {
  const share = s.args.length === 2 ? decodeBase64(s.args[1] ?? '') : undefined
  if (share?.length !== 32 || s.body.length !== 32) return invalidStanza()
  const secret = sharedSecret(privateKey, share)
  const wrapKey = hkdfSha256(secret, Buffer.concat([share, recipient]), LABEL)
  secret.fill(0)
  try {
    return openChaCha20Poly1305({ key: wrapKey, nonce: ZERO_NONCE, sealed: s.body })
  } finally {
    wrapKey.fill(0)
  }
}

/**
 * Parses an `AGE-SECRET-KEY-1…` identity (Bech32, upper case as age writes it). Returns undefined
 * when `identity` is anything else, so the caller can hand it to the age-encryption library.
 */
export const parseX25519Identity = (identity: string): X25519Identity | undefined => {
  if (!identity.startsWith(IDENTITY_PREFIX)) return undefined
  const decoded = decodeBech32(identity)
  if (decoded?.prefix !== 'age-secret-key-' || decoded.bytes.length !== 32) return undefined
  const der = Buffer.concat([PKCS8_X25519, decoded.bytes])
  decoded.bytes.fill(0)
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  der.fill(0)
  // The raw public key; a JWK export skips OpenSSL's DER encoder (a millisecond at start).
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' })
  const recipient = Buffer.from(x ?? '', 'base64url')
  return {
    recipient: encodeBech32('age', recipient).toLowerCase(),
    unwrap(stanzas) {
      for (const s of stanzas) {
        if (s.args[0] !== 'X25519') continue
        const fileKey = unwrapStanza(privateKey, recipient, s)
        if (fileKey !== null) return fileKey
      }
      return null
    },
  }
}
