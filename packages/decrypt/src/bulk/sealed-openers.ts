// The symmetric crypto of a decrypt: HKDF, ChaCha20-Poly1305, the age payload's STREAM and the KMS
// envelope's AES-256-GCM. It is one self-contained factory over a node:crypto module because the
// same source runs twice: in this thread, and in the JIT decrypt workers, which are started from
// this function's text (`Function#toString`), since a single executable has no file to start one.
// Nothing in the factory may refer to a name outside it but its parameter and JS/Node globals.
import type * as NodeCrypto from 'node:crypto'

/** The part of node:crypto the openers use. */
export type OpenerCrypto = Pick<typeof NodeCrypto, 'createHmac' | 'createDecipheriv'>

/** What a ChaCha20-Poly1305 opening takes: `sealed` is ciphertext followed by its 16-byte tag. */
export interface SealedBox {
  key: Uint8Array
  nonce: Uint8Array
  sealed: Uint8Array
}

/** An AES-256-GCM ciphertext with its 12-byte IV and 16-byte tag. */
export interface GcmBox {
  key: Uint8Array
  iv: Uint8Array
  tag: Uint8Array
  ciphertext: Uint8Array
}

/** The plaintext, or a fixed reason (never input bytes) why there is none. */
export type Opened =
  { readonly ok: true; readonly plain: Buffer } | { readonly ok: false; readonly reason: string }

/**
 * The openers {@link createSealedOpeners} builds. Every returned key or plaintext is the caller's
 * to zero. An opener given `out` of exactly the plaintext's length writes the plaintext there
 * (memory reused across decrypts) and returns a view of it; otherwise it allocates.
 */
export interface SealedOpeners {
  /** `HKDF-SHA-256(ikm, salt, info)` with L = 32 (RFC 5869); an empty salt is the RFC's default. */
  hkdfSha256: (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array) => Buffer
  /** The plaintext of `box`, or null when it is shorter than a tag or does not authenticate. */
  openChaCha20Poly1305: (box: SealedBox) => Buffer | null
  /**
   * An age v1 payload (16-byte nonce, then STREAM ChaCha20-Poly1305 in 64 KiB chunks) opened with
   * the file key; refuses a payload that is truncated, extended, reordered or altered.
   */
  openAgePayload: (fileKey: Uint8Array, payload: Uint8Array, out?: Uint8Array) => Opened
  /** The plaintext length of an age payload of `payloadLength` bytes, or -1 when none can be valid. */
  agePlainLength: (payloadLength: number) => number
  /** An AES-256-GCM ciphertext opened, or refused when it does not authenticate. */
  openAesGcm: (box: GcmBox, out?: Uint8Array) => Opened
}

/** Builds the openers over `c` (node:crypto). See the module header before editing the body. */
export function createSealedOpeners(c: OpenerCrypto): SealedOpeners {
  const TAG_BYTES = 16
  const NONCE_BYTES = 16
  const CHUNK_BYTES = 64 * 1024
  const SEALED_CHUNK_BYTES = CHUNK_BYTES + TAG_BYTES
  const PAYLOAD_LABEL = Buffer.from('payload')
  const BLOCK_1 = Buffer.from([1])

  function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Buffer {
    const prk = c.createHmac('sha256', salt).update(ikm).digest()
    try {
      // T(1) = HMAC(PRK, info || 0x01); L = HashLen needs no further block.
      return c.createHmac('sha256', prk).update(info).update(BLOCK_1).digest()
    } finally {
      prk.fill(0)
    }
  }

  function openChaCha20Poly1305({ key, nonce, sealed }: SealedBox): Buffer | null {
    if (sealed.length < TAG_BYTES) return null
    const cut = sealed.length - TAG_BYTES
    const decipher = c.createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES })
    decipher.setAuthTag(sealed.subarray(cut))
    const plaintext = decipher.update(sealed.subarray(0, cut))
    try {
      decipher.final()
    } catch {
      plaintext.fill(0)
      return null
    }
    return plaintext
  }

  const fail = (reason: string): Opened => ({ ok: false, reason })

  /** Chunk count, or a reason no valid payload has this length (cut-off tag, empty last chunk). */
  function countChunks(sealedLength: number): number | string {
    if (sealedLength === 0) return 'payload has no final chunk'
    const chunks = Math.ceil(sealedLength / SEALED_CHUNK_BYTES)
    const last = sealedLength - (chunks - 1) * SEALED_CHUNK_BYTES
    if (last < TAG_BYTES) return 'payload is truncated'
    // An empty final chunk is only valid as the single chunk of an empty plaintext.
    if (last === TAG_BYTES && chunks > 1) return 'final chunk is empty'
    return chunks
  }

  /** Chunk nonce: 11-byte big-endian counter, then 0x01 on the final chunk and 0x00 before it. */
  function writeChunkNonce(nonce: Buffer, counter: number, final: boolean): void {
    let n = counter
    for (let i = 10; i >= 0; i--) {
      nonce[i] = n % 256
      n = Math.floor(n / 256)
    }
    nonce[11] = final ? 1 : 0
  }

  /** `given` as a Buffer when it is exactly `length` bytes, else a new zeroed Buffer. */
  function outputOf(given: Uint8Array | undefined, length: number): Buffer {
    if (given?.length === length) return Buffer.from(given.buffer, given.byteOffset, length)
    // Not from Buffer's shared pool: a worker hands this buffer's memory over whole.
    return Buffer.alloc(length)
  }

  function agePlainLength(payloadLength: number): number {
    const chunks = countChunks(payloadLength - NONCE_BYTES)
    return typeof chunks === 'string' || payloadLength < NONCE_BYTES
      ? -1
      : payloadLength - NONCE_BYTES - chunks * TAG_BYTES
  }

  function openChunks(key: Buffer, sealed: Uint8Array, given: Uint8Array | undefined): Opened {
    const chunks = countChunks(sealed.length)
    if (typeof chunks === 'string') return fail(chunks)
    const out = outputOf(given, sealed.length - chunks * TAG_BYTES)
    const nonce = Buffer.alloc(12)
    for (let i = 0; i < chunks; i++) {
      writeChunkNonce(nonce, i, i === chunks - 1)
      const start = i * SEALED_CHUNK_BYTES
      const chunk = sealed.subarray(start, Math.min(start + SEALED_CHUNK_BYTES, sealed.length))
      const plain = openChaCha20Poly1305({ key, nonce, sealed: chunk })
      if (plain === null) {
        out.fill(0)
        return fail('payload does not authenticate')
      }
      plain.copy(out, i * CHUNK_BYTES)
      plain.fill(0)
    }
    return { ok: true, plain: out }
  }

  function openAgePayload(fileKey: Uint8Array, payload: Uint8Array, out?: Uint8Array): Opened {
    if (payload.length < NONCE_BYTES) return fail('payload is truncated')
    const key = hkdfSha256(fileKey, payload.subarray(0, NONCE_BYTES), PAYLOAD_LABEL)
    try {
      return openChunks(key, payload.subarray(NONCE_BYTES), out)
    } finally {
      key.fill(0)
    }
  }

  function openAesGcm({ key, iv, tag, ciphertext }: GcmBox, given?: Uint8Array): Opened {
    const decipher = c.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    decipher.setAuthTag(tag)
    const out = outputOf(given, ciphertext.length)
    const written = decipher.update(ciphertext)
    written.copy(out)
    written.fill(0)
    try {
      decipher.final()
    } catch {
      out.fill(0)
      return fail('AES-256-GCM authentication failed (wrong key or tampered envelope)')
    }
    return { ok: true, plain: out }
  }

  return { hkdfSha256, openChaCha20Poly1305, openAgePayload, agePlainLength, openAesGcm }
}
