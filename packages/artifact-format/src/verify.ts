// Signature verification of docs/SPEC.md §4. The algorithm follows the configured key's type only; the
// artifact's `signatureAlgorithm` is attacker-controlled and never consulted.
import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { buildSigningPayload } from './signing-payload.ts'
import type { PackedArtifact } from './types.ts'

/** A parsed verify key: Ed25519 or ECDSA over P-256. */
export interface VerifyKey {
  readonly type: 'ed25519' | 'ecdsa-p256'
  readonly key: KeyObject
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

const invalidKey = (why: string, cause?: unknown): AgentError =>
  new AgentError(ErrorCode.ConfigInvalid, `verify key ${why}`, {
    cause,
    hint: 'expected a base64 DER SPKI Ed25519 or EC P-256 public key',
  })

const importSpki = (base64Spki: string): KeyObject => {
  const text = base64Spki.replace(/\s+/g, '')
  if (!BASE64.test(text)) throw invalidKey('is not base64')
  try {
    return createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' })
  } catch {
    // OpenSSL's message adds nothing useful and the cause could carry key bytes in the future.
    throw invalidKey('is not a DER SPKI public key')
  }
}

/**
 * Parses a base64 DER SPKI public key (whitespace, including line breaks, is ignored).
 * Throws AgentError `config_invalid` for garbage or for any key other than Ed25519 / EC P-256; the
 * message never contains the key.
 */
export const parseVerifyKey = (base64Spki: string): VerifyKey => {
  const key = importSpki(base64Spki)
  if (key.asymmetricKeyType === 'ed25519') return { type: 'ed25519', key }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve
    if (curve === 'prime256v1') return { type: 'ecdsa-p256', key }
    throw invalidKey(`uses unsupported curve ${curve ?? 'unknown'} (only P-256 is supported)`)
  }
  throw invalidKey(`has unsupported type ${key.asymmetricKeyType ?? 'unknown'}`)
}

/**
 * True when `artifact.signature` verifies over the signing payload under `key`: Ed25519 signs the
 * payload directly, P-256 is ECDSA over SHA-256 with a DER signature. False (never a throw) when
 * the signature is absent or malformed.
 */
export const verifySignature = (artifact: PackedArtifact, key: VerifyKey): boolean => {
  const signature = artifact.signature
  if (signature === undefined || !BASE64.test(signature)) return false
  const payload = Buffer.from(buildSigningPayload(artifact), 'utf8')
  const sig = Buffer.from(signature, 'base64')
  try {
    return key.type === 'ed25519'
      ? verify(null, payload, key.key, sig)
      : verify('sha256', payload, { key: key.key, dsaEncoding: 'der' }, sig)
  } catch {
    return false
  }
}
