// ChaCha20-Poly1305 (RFC 7539) opening on node:crypto, the AEAD of every age layer: stanza bodies
// and payload chunks. The plaintext is only released once the tag has verified. The implementation
// is shared with the JIT decrypt workers (../bulk/sealed-openers.ts).
import { IN_THREAD } from '../bulk/in-thread.ts'
import type { SealedOpeners } from '../bulk/sealed-openers.ts'

export type { SealedBox } from '../bulk/sealed-openers.ts'

/** The plaintext of `sealed`, or null when it is shorter than a tag or does not authenticate. */
export const openChaCha20Poly1305: SealedOpeners['openChaCha20Poly1305'] = IN_THREAD.openChaCha20Poly1305
