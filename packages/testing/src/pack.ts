// A test-only packer that writes artifacts the way Clef's `clef pack` does (same field order,
// 2-space JSON, no trailing newline), so tests can make fresh revisions, expiries and signatures.
// It deliberately has its own signing-payload builder: testing must not depend on artifact-format.
import { createCipheriv, createHash, createPrivateKey, randomBytes, sign } from 'node:crypto'
import { Encrypter, generateIdentity, identityToRecipient } from 'age-encryption'

/** A KMS envelope to pack with instead of age: the plaintext DEK and what the KMS would return. */
export interface PackEnvelopeOptions {
  /** 32-byte data key; the payload is AES-256-GCM encrypted with it. */
  dek: Uint8Array
  keyId: string
  /** base64 KMS ciphertext blob of `dek`. */
  wrappedKey: string
  /** Default `aws`. */
  provider?: string
  /** Default `SYMMETRIC_DEFAULT`. */
  algorithm?: string
}

/** Options of {@link packArtifact}. Either `recipient` (age mode) or `envelope` (KMS mode). */
export interface PackOptions {
  values: Record<string, Record<string, string>>
  /** The exact plaintext to encrypt. Default `JSON.stringify(values)`, which is what Clef packs. */
  payload?: string | undefined
  /** age recipient (`age1…` or `age1pq1…`). */
  recipient?: string
  envelope?: PackEnvelopeOptions
  /** Default `api`. */
  identity?: string
  /** Default `production`. */
  environment?: string
  /** Default {@link newRevision} at pack time. */
  revision?: string
  /** Default: pack time, ISO-8601. */
  packedAt?: string
  expiresAt?: string
  /** base64 PKCS8 DER private key, Ed25519 or EC P-256; signs per docs/SPEC.md §4. */
  signingKey?: string
  /** Merged last into the top-level object, to make malformed artifacts (`undefined` drops a field). */
  extra?: Record<string, unknown>
}

/** A fresh X25519 age identity and its recipient. */
export const createAgeKey = async (): Promise<{ identity: string; recipient: string }> => {
  const identity = await generateIdentity()
  return { identity, recipient: await identityToRecipient(identity) }
}

/** A revision `<ms>-<8 hex>` like Clef's, at `ms` (default now). */
export const newRevision = (ms: number = Date.now()): string => `${ms}-${randomBytes(4).toString('hex')}`

type Fields = Record<string, unknown>

const encryptAge = async (plaintext: string, recipient: string): Promise<string> => {
  const e = new Encrypter()
  e.addRecipient(recipient)
  return Buffer.from(await e.encrypt(plaintext)).toString('base64')
}

const encryptEnvelope = (
  plaintext: string,
  env: PackEnvelopeOptions,
): { ciphertext: string; envelope: Fields } => {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', env.dek, iv)
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64')
  const envelope = {
    provider: env.provider ?? 'aws',
    keyId: env.keyId,
    wrappedKey: env.wrappedKey,
    algorithm: env.algorithm ?? 'SYMMETRIC_DEFAULT',
    iv: iv.toString('base64'),
    authTag: cipher.getAuthTag().toString('base64'),
  }
  return { ciphertext, envelope }
}

const encrypt = async (opts: PackOptions): Promise<{ ciphertext: string; envelope?: Fields }> => {
  const plaintext = opts.payload ?? JSON.stringify(opts.values)
  if (opts.envelope !== undefined) return encryptEnvelope(plaintext, opts.envelope)
  if (opts.recipient === undefined) throw new Error('packArtifact needs a recipient or an envelope')
  return { ciphertext: await encryptAge(plaintext, opts.recipient) }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** docs/SPEC.md §4, written independently of artifact-format so the two cross-check each other. */
const signingPayload = (a: Fields): string => {
  const env = (a['envelope'] ?? {}) as Fields
  const head = [
    a['version'],
    a['identity'],
    a['environment'],
    a['revision'],
    a['packedAt'],
    a['ciphertextHash'],
  ]
  const tail = ['provider', 'keyId', 'wrappedKey', 'algorithm', 'iv', 'authTag'].map((k) => str(env[k]))
  return ['clef-sig-v3', ...head.map(String), str(a['expiresAt']), ...tail].join('\n')
}

const signArtifact = (a: Fields, pkcs8: string): { signature: string; signatureAlgorithm: string } => {
  const key = createPrivateKey({ key: Buffer.from(pkcs8, 'base64'), format: 'der', type: 'pkcs8' })
  const payload = Buffer.from(signingPayload(a), 'utf8')
  if (key.asymmetricKeyType === 'ed25519') {
    return { signature: sign(null, payload, key).toString('base64'), signatureAlgorithm: 'Ed25519' }
  }
  const sig = sign('sha256', payload, { key, dsaEncoding: 'der' })
  return { signature: sig.toString('base64'), signatureAlgorithm: 'ECDSA_SHA256' }
}

/**
 * Packs `values` into artifact JSON text, field for field like Clef's packer. The signature (when
 * `signingKey` is set) covers the fields before `extra` is merged, so `extra` can tamper with a
 * signed artifact.
 */
export const packArtifact = async (opts: PackOptions): Promise<string> => {
  const now = Date.now()
  const { ciphertext, envelope } = await encrypt(opts)
  const artifact: Fields = {
    version: 1,
    identity: opts.identity ?? 'api',
    environment: opts.environment ?? 'production',
    packedAt: opts.packedAt ?? new Date(now).toISOString(),
    revision: opts.revision ?? newRevision(now),
    ciphertextHash: createHash('sha256').update(ciphertext, 'utf8').digest('hex'),
    ciphertext,
    envelope,
    expiresAt: opts.expiresAt,
  }
  const signed = opts.signingKey === undefined ? {} : signArtifact(artifact, opts.signingKey)
  return JSON.stringify({ ...artifact, ...signed, ...opts.extra }, null, 2)
}
