// The providers are built with the agent, but the age key is read only at start (it may be a file).
// This stand-in forwards to the real Decryptor once start() has built it.
import type { Decryptor } from '@clef-sh/decrypt'
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** A Decryptor whose implementation is supplied later; before that it rejects with `not_loaded`. */
export interface LateDecryptor {
  readonly decryptor: Decryptor
  set(decryptor: Decryptor): void
}

/** Creates a {@link LateDecryptor}. */
export const createLateDecryptor = (): LateDecryptor => {
  let inner: Decryptor | undefined
  const started = (): Decryptor => {
    if (inner === undefined) throw new AgentError(ErrorCode.NotLoaded, 'the agent has not started')
    return inner
  }
  return {
    decryptor: {
      decrypt: async (artifact, opts) => started().decrypt(artifact, opts),
      plaintext: async (artifact, opts) => started().plaintext(artifact, opts),
    },
    set: (decryptor) => {
      inner = decryptor
    },
  }
}
