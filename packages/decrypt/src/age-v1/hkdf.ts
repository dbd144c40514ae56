// HKDF-SHA-256 (RFC 5869) for the one output length age uses, 32 bytes: Extract, then a single
// Expand block. Two HMACs cost about half of node's hkdfSync, and this runs three times a decrypt.
// The implementation is shared with the JIT decrypt workers (../bulk/sealed-openers.ts).
import { IN_THREAD } from '../bulk/in-thread.ts'
import type { SealedOpeners } from '../bulk/sealed-openers.ts'

/**
 * `HKDF-SHA-256(ikm, salt, info)` with L = 32. An empty salt is the RFC's default (HashLen zero
 * bytes), as HMAC pads its key with zeros. The caller zeroes the result.
 */
export const hkdfSha256: SealedOpeners['hkdfSha256'] = IN_THREAD.hkdfSha256
