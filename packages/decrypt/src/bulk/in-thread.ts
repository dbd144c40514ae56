// The sealed openers of this thread, over node:crypto: what the age decoder and the envelope
// decrypt call when no worker pool is involved (cached mode, the accept-time trial decrypt).
import { createDecipheriv, createHmac } from 'node:crypto'
import { createSealedOpeners, type GcmBox, type Opened, type SealedOpeners } from './sealed-openers.ts'

/** The openers of {@link createSealedOpeners}, built once on node:crypto. */
export const IN_THREAD: SealedOpeners = createSealedOpeners({ createDecipheriv, createHmac })

/**
 * Where the bulk of a decrypt (the age payload, the envelope's AES-GCM) runs: this thread (the
 * default) or a worker pool (`createBulkPool`). Keys and inputs are the caller's;
 * the returned plaintext is the caller's to zero.
 */
export interface BulkOpener {
  openAgePayload(fileKey: Uint8Array, payload: Uint8Array): Promise<Opened>
  openAesGcm(box: GcmBox): Promise<Opened>
  /**
   * Zeroes a plaintext this opener returned, once its caller is done with it; a pool may then
   * reuse its memory for a later opening. The caller must not read or keep `plain` afterwards.
   */
  release: (plain: Uint8Array) => void
}

/** The bulk opener that runs on this thread. */
export const IN_THREAD_OPENER: BulkOpener = {
  openAgePayload: (fileKey, payload) => Promise.resolve(IN_THREAD.openAgePayload(fileKey, payload)),
  openAesGcm: (box) => Promise.resolve(IN_THREAD.openAesGcm(box)),
  release: (plain) => {
    plain.fill(0)
  },
}
