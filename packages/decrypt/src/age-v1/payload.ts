// The age v1 payload (C2SP age spec, "Payload"): a 16-byte nonce, then STREAM ChaCha20-Poly1305
// in 64 KiB chunks. The whole file is in memory, so chunk boundaries follow from its length.
import { ageFailure } from './age-failure.ts'
import { openChaCha20Poly1305 } from './chacha.ts'
import { hkdfSha256 } from './hkdf.ts'

const NONCE_BYTES = 16
const CHUNK_BYTES = 64 * 1024
const TAG_BYTES = 16
const SEALED_CHUNK_BYTES = CHUNK_BYTES + TAG_BYTES
const LABEL = Buffer.from('payload')

/** Chunk nonce: 11-byte big-endian counter, then 0x01 on the final chunk and 0x00 before it. */
const writeChunkNonce = (nonce: Buffer, counter: number, final: boolean): void => {
  let n = counter
  for (let i = 10; i >= 0; i--) {
    nonce[i] = n % 256
    n = Math.floor(n / 256)
  }
  nonce[11] = final ? 1 : 0
}

/** Number of chunks; refuses a length no valid payload has (e.g. a cut-off tag, an empty last chunk). */
const countChunks = (sealedLength: number): number => {
  if (sealedLength === 0) return ageFailure('payload has no final chunk')
  const chunks = Math.ceil(sealedLength / SEALED_CHUNK_BYTES)
  const last = sealedLength - (chunks - 1) * SEALED_CHUNK_BYTES
  if (last < TAG_BYTES) return ageFailure('payload is truncated')
  // An empty final chunk is only valid as the single chunk of an empty plaintext.
  if (last === TAG_BYTES && chunks > 1) return ageFailure('final chunk is empty')
  return chunks
}

/** The plaintext, or null (and nothing kept) as soon as one chunk fails to authenticate. */
const openChunks = (key: Buffer, sealed: Uint8Array): Buffer | null => {
  const chunks = countChunks(sealed.length)
  const out = Buffer.alloc(sealed.length - chunks * TAG_BYTES)
  const nonce = Buffer.alloc(12)
  for (let i = 0; i < chunks; i++) {
    writeChunkNonce(nonce, i, i === chunks - 1)
    const start = i * SEALED_CHUNK_BYTES
    const chunk = sealed.subarray(start, Math.min(start + SEALED_CHUNK_BYTES, sealed.length))
    const plain = openChaCha20Poly1305({ key, nonce, sealed: chunk })
    if (plain === null) {
      out.fill(0)
      return null
    }
    plain.copy(out, i * CHUNK_BYTES)
    plain.fill(0)
  }
  return out
}

/**
 * Decrypts a payload (everything after the header) with the file key. Throws AgentError `decrypt`
 * when it is truncated, extended, reordered or altered: plaintext is returned only when every
 * chunk authenticated, with the final-chunk flag on the last chunk only.
 */
export const decryptPayload = (fileKey: Uint8Array, payload: Uint8Array): Buffer => {
  if (payload.length < NONCE_BYTES) return ageFailure('payload is truncated')
  const key = hkdfSha256(fileKey, payload.subarray(0, NONCE_BYTES), LABEL)
  try {
    return openChunks(key, payload.subarray(NONCE_BYTES)) ?? ageFailure('payload does not authenticate')
  } finally {
    key.fill(0)
  }
}
