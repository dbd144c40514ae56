// One JIT decrypt's plaintext, lent to the requests that share it. The API writes the plaintext
// as the body itself (no copy), so it may be zeroed only once every response that writes it is
// done: each holds it (`hold`), and gives it back when its response closed. Requests that share
// a decrypt take their hold as soon as it resolves, in the same turn of the event loop; after that
// turn, the last release (or none, when nobody held it) zeroes the plaintext and hands its memory
// back to the decrypt pool.
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** See {@link createJitLease}. */
export interface JitLease {
  /** Takes a hold; the returned function gives it back (once; later calls do nothing). */
  hold: () => () => void
  /** Throws AgentError `internal` once the plaintext was released: reading it is a bug. */
  check: () => void
}

/**
 * Lends `plaintext` until the end of the current event-loop turn plus every hold taken meanwhile;
 * then calls `release(plaintext)` (which zeroes it) exactly once.
 */
export const createJitLease = (plaintext: Uint8Array, release: (plain: Uint8Array) => void): JitLease => {
  let holds = 0
  let turnOver = false
  let released = false
  const maybeRelease = (): void => {
    if (released || !turnOver || holds > 0) return
    released = true
    release(plaintext)
  }
  setImmediate(() => {
    turnOver = true
    maybeRelease()
  })
  return {
    hold: () => {
      if (released) throw new AgentError(ErrorCode.Internal, 'JIT secrets held after their requests ended')
      holds++
      let given = false
      return () => {
        if (given) return
        given = true
        holds--
        maybeRelease()
      }
    },
    check: () => {
      if (released) throw new AgentError(ErrorCode.Internal, 'JIT secrets read after their requests ended')
    },
  }
}
