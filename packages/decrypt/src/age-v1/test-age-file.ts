// Test-only: writes age v1 files byte by byte with node:crypto (hkdfSync, not our HKDF), so tests
// can build headers and payloads the library's Encrypter never would, each with a valid MAC. It
// stays beside the age code rather than in @clef-sh/testing: it reads a recipient's key bytes with
// this package's Bech32 decoder, and @clef-sh/testing cannot depend on decrypt (whose tests use it).
import {
  createCipheriv,
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto'
import { expect } from 'vitest'
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption'
import { decodeBech32 } from './bech32.ts'
import type { AgeDecrypt } from '../age-decrypt.ts'
import type { X25519FileDecrypt } from './decrypt-file.ts'

/** A fresh X25519 identity, its `age1…` recipient and the recipient's 32 raw bytes. */
export interface TestIdentity {
  identity: string
  recipient: string
  publicKey: Buffer
}

export const newX25519Identity = async (): Promise<TestIdentity> => {
  const identity = await generateX25519Identity()
  const recipient = await identityToRecipient(identity)
  const publicKey = Buffer.from(decodeBech32(recipient)?.bytes ?? [])
  return { identity, recipient, publicKey }
}

/** Unpadded base64, as age writes it. */
export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64').replace(/=+$/, '')

const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string): Buffer =>
  Buffer.from(hkdfSync('sha256', ikm, salt, info, 32))

const seal = (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer => {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()])
}

/** A stanza as text: `-> args…` and the body wrapped at 64 columns, ending with a short line. */
export const stanzaText = (args: readonly string[], body: Uint8Array): string => {
  const text = b64(body)
  const lines = [`-> ${args.join(' ')}`]
  for (let i = 0; i <= text.length; i += 64) lines.push(text.slice(i, i + 64))
  return `${lines.join('\n')}\n`
}

/** An X25519 stanza wrapping `fileKey` to `publicKey`, with the spec's HKDF and zero nonce. */
export const x25519Stanza = (fileKey: Uint8Array, publicKey: Buffer): { share: string; body: Buffer } => {
  const eph = generateKeyPairSync('x25519')
  const share = (eph.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12)
  const peer = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: publicKey.toString('base64url') },
    format: 'jwk',
  })
  const secret = diffieHellman({ privateKey: eph.privateKey, publicKey: peer })
  const wrapKey = hkdf(secret, Buffer.concat([share, publicKey]), 'age-encryption.org/v1/X25519')
  return { share: b64(share), body: seal(wrapKey, Buffer.alloc(12), fileKey) }
}

/** One STREAM chunk as written: counter and final flag chosen by the test. */
export interface TestChunk {
  plaintext: Uint8Array
  counter: number
  final: boolean
}

/** The payload: 16-byte nonce, then the chunks sealed under HKDF(fileKey, nonce, "payload"). */
export const payloadBytes = (fileKey: Uint8Array, chunks: readonly TestChunk[]): Buffer => {
  const nonce = randomBytes(16)
  const key = hkdf(fileKey, nonce, 'payload')
  const sealed = chunks.map(({ plaintext, counter, final }) => {
    const iv = Buffer.alloc(12)
    iv.writeUIntBE(counter, 5, 6)
    iv[11] = final ? 1 : 0
    return seal(key, iv, plaintext)
  })
  return Buffer.concat([nonce, ...sealed])
}

/** The spec's chunking of `plaintext`: 64 KiB chunks, the last one flagged (empty only if all is). */
export const standardChunks = (plaintext: Uint8Array): TestChunk[] => {
  const chunks: TestChunk[] = []
  for (let i = 0; i === 0 || i * 65536 < plaintext.length; i++) {
    const part = plaintext.subarray(i * 65536, (i + 1) * 65536)
    chunks.push({ plaintext: part, counter: i, final: (i + 1) * 65536 >= plaintext.length })
  }
  return chunks
}

/** Header text (without MAC) from stanza texts; `version` replaces the v1 line when given. */
export const headerText = (stanzas: readonly string[], version = 'age-encryption.org/v1'): string =>
  `${version}\n${stanzas.join('')}---`

/** `headerNoMac`, its MAC under `fileKey`, then `payload`: a file whose MAC is always right. */
export const sealFile = (fileKey: Uint8Array, headerNoMac: string, payload: Uint8Array): Buffer => {
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header'))
    .update(headerNoMac, 'latin1')
    .digest()
  return Buffer.concat([Buffer.from(`${headerNoMac} ${b64(mac)}\n`, 'latin1'), payload])
}

/** A well-formed file for `to`, built by this helper rather than by the library. */
export const x25519File = (to: TestIdentity, plaintext: Uint8Array): Buffer => {
  const fileKey = randomBytes(16)
  const { share, body } = x25519Stanza(fileKey, to.publicKey)
  return sealFile(
    fileKey,
    headerText([stanzaText(['X25519', share], body)]),
    payloadBytes(fileKey, standardChunks(plaintext)),
  )
}

/** What the age-encryption library makes of `file`: the plaintext, or the error it threw. */
export const libraryOutcome = async (identity: string, file: Uint8Array): Promise<Uint8Array | Error> => {
  const d = new Decrypter()
  d.addIdentity(identity)
  return d.decrypt(file).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))
}

/** What our path makes of `file`: the plaintext, undefined (left to the library), or the error. */
export const ourOutcome = (decrypt: X25519FileDecrypt, file: Uint8Array): Uint8Array | undefined | Error => {
  try {
    return decrypt(file)
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e))
  }
}

/**
 * Length and SHA-256 of an outcome (or the error message): compares large buffers fast, where
 * toEqual walks them byte by byte.
 */
export const digest = (outcome: Uint8Array | undefined | Error): string => {
  if (outcome === undefined) return 'undefined'
  if (outcome instanceof Error) return `error: ${outcome.message}`
  return `${outcome.length} bytes, sha256 ${createHash('sha256').update(outcome).digest('hex')}`
}

/** What createAgeDecrypt's function makes of `file`: the plaintext, or the error it threw. */
export const agentOutcome = async (decrypt: AgeDecrypt, file: Uint8Array): Promise<Uint8Array | Error> =>
  decrypt(file).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))

/** Our failures are `decrypt` errors with one of our fixed reasons, so no input or key bytes. */
export const expectOurFailure = (outcome: Uint8Array | undefined | Error): void => {
  expect(outcome).toMatchObject({
    code: 'decrypt',
    // vitest types its matchers as `any`.
    message: expect.stringMatching(/^age decryption failed: [\w ':-]+$/) as unknown,
  })
}

/** `size` bytes derived from `seed` (a ChaCha20 keystream), so fast-check can replay them. */
export const bytesOf = (seed: number, size: number): Buffer => {
  const key = createHash('sha256').update(String(seed)).digest()
  return createCipheriv('chacha20', key, Buffer.alloc(16)).update(Buffer.alloc(size))
}

/** `plaintext` encrypted by the age-encryption library to `recipients`. */
export const encryptTo = async (
  recipients: readonly string[],
  plaintext: Uint8Array,
): Promise<Uint8Array> => {
  const e = new Encrypter()
  for (const r of recipients) e.addRecipient(r)
  return e.encrypt(plaintext)
}
