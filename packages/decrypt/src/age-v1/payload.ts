// The age v1 payload (C2SP age spec, "Payload"): a 16-byte nonce, then STREAM ChaCha20-Poly1305
// in 64 KiB chunks. The whole file is in memory, so chunk boundaries follow from its length. The
// STREAM itself lives in ../bulk/sealed-openers.ts, shared with the JIT decrypt workers.
import { IN_THREAD } from '../bulk/in-thread.ts'
import { ageFailure } from './age-failure.ts'

/**
 * Decrypts a payload (everything after the header) with the file key. Throws AgentError `decrypt`
 * when it is truncated, extended, reordered or altered: plaintext is returned only when every
 * chunk authenticated, with the final-chunk flag on the last chunk only.
 */
export const decryptPayload = (fileKey: Uint8Array, payload: Uint8Array): Buffer => {
  const opened = IN_THREAD.openAgePayload(fileKey, payload)
  return opened.ok ? opened.plain : ageFailure(opened.reason)
}
