// ChaCha20-Poly1305 (RFC 7539) opening on node:crypto, the AEAD of every age layer: stanza bodies
// and payload chunks. The plaintext is only released once the tag has verified.
import { createDecipheriv } from 'node:crypto'

const TAG_BYTES = 16

/** What {@link openChaCha20Poly1305} opens: `sealed` is ciphertext followed by its 16-byte tag. */
export interface SealedBox {
  key: Uint8Array
  nonce: Uint8Array
  sealed: Uint8Array
}

/** The plaintext of `sealed`, or null when it is shorter than a tag or does not authenticate. */
export const openChaCha20Poly1305 = ({ key, nonce, sealed }: SealedBox): Buffer | null => {
  if (sealed.length < TAG_BYTES) return null
  const cut = sealed.length - TAG_BYTES
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES })
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
