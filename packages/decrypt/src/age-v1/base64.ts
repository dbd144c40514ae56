// The age spec's base64: RFC 4648 standard alphabet, no `=` padding, and only the canonical
// encoding (§3.5). Buffer.from(s, 'base64') silently skips junk, so it cannot be used alone.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const BASE64_NOPAD = /^[A-Za-z0-9+/]*$/

/**
 * Decodes unpadded canonical base64; undefined when `s` has a character outside the alphabet,
 * padding, an impossible length, or non-zero bits in its last character's unused part.
 */
export const decodeBase64 = (s: string): Buffer | undefined => {
  const tail = s.length % 4
  if (tail === 1 || !BASE64_NOPAD.test(s)) return undefined
  if (tail !== 0) {
    // 2 chars carry 1 byte (4 spare bits), 3 chars carry 2 bytes (2 spare bits).
    const spare = tail === 2 ? 0x0f : 0x03
    if ((ALPHABET.indexOf(s.charAt(s.length - 1)) & spare) !== 0) return undefined
  }
  return Buffer.from(s, 'base64')
}
