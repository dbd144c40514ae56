// HKDF-SHA-256 (RFC 5869) for the one output length age uses, 32 bytes: Extract, then a single
// Expand block. Two HMACs cost about half of node's hkdfSync, and this runs three times a decrypt.
import { createHmac } from 'node:crypto'

const BLOCK_1 = Buffer.from([1])

/**
 * `HKDF-SHA-256(ikm, salt, info)` with L = 32. An empty salt is the RFC's default (HashLen zero
 * bytes), as HMAC pads its key with zeros. The caller zeroes the result.
 */
export const hkdfSha256 = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Buffer => {
  const prk = createHmac('sha256', salt).update(ikm).digest()
  try {
    // T(1) = HMAC(PRK, info || 0x01); L = HashLen needs no further block.
    return createHmac('sha256', prk).update(info).update(BLOCK_1).digest()
  } finally {
    prk.fill(0)
  }
}
