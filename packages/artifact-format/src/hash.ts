// The ciphertext hash of docs/SPEC.md §1: it covers the base64 text as written, so it can be checked
// before anything is decoded.
import { createHash } from 'node:crypto'

/** Lowercase hex SHA-256 of the UTF-8 bytes of the base64 `ciphertext` text (not the decoded bytes). */
export const computeCiphertextHash = (ciphertext: string): string =>
  createHash('sha256').update(ciphertext, 'utf8').digest('hex')
