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
  return {
    decryptor: {
      decrypt: (artifact, opts) =>
        inner === undefined
          ? Promise.reject(new AgentError(ErrorCode.NotLoaded, 'the agent has not started'))
          : inner.decrypt(artifact, opts),
    },
    set: (decryptor) => {
      inner = decryptor
    },
  }
}
