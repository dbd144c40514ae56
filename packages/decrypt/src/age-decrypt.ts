// Age mode (SPEC §2). The Decrypter is built once per identity: JIT mode decrypts on every
// request, and parsing the identity (ML-KEM for hybrid keys) is not free.
import { Decrypter } from 'age-encryption'
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** Decrypts a binary age file to its plaintext bytes. */
export type AgeDecrypt = (file: Uint8Array) => Promise<Uint8Array>

/**
 * Builds an age decrypt function for an X25519 (`AGE-SECRET-KEY-1…`) or hybrid post-quantum
 * (`AGE-SECRET-KEY-PQ-1…`) identity. Throws AgentError `config_invalid` for a malformed identity;
 * the returned function throws `decrypt`. Messages never contain key material.
 */
export const createAgeDecrypt = (identity: string): AgeDecrypt => {
  const decrypter = new Decrypter()
  try {
    decrypter.addIdentity(identity.trim())
  } catch {
    throw new AgentError(
      ErrorCode.ConfigInvalid,
      'age identity is not a valid AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1… key',
    )
  }
  return async (file) => {
    try {
      return await decrypter.decrypt(file)
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : 'unknown error'
      throw new AgentError(ErrorCode.Decrypt, `age decryption failed: ${why}`, { cause })
    }
  }
}
