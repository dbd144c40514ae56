// After a burst of requests the agent holds memory that only a garbage collection frees (a grown
// young generation, dead buffers), and V8 collects when JavaScript allocates, which an idle agent
// does not: the memory stayed for as long as the agent idled. One full collection once requests
// stopped gives it back. This is process-wide, hence here in the shell and not in a library.
import { takeGc } from './process-flags.ts'

/** Options of {@link startIdleGc}. */
export interface IdleGcOptions {
  /** Collect once no request came for about this long after some did; default 5000 ms. */
  quietMs?: number
  /** The collection; default: V8's full garbage collection. */
  collect?: () => void
}

/** See {@link startIdleGc}. */
export interface IdleGc {
  /** Counts one request (cheap: it runs on the hot path). */
  readonly note: () => void
  readonly stop: () => void
}

let exposed: (() => void) | undefined

/** A full garbage collection now: V8's `gc()`, taken once for this process without a command-line flag. */
export const fullGc = (): void => {
  exposed ??= takeGc()
  exposed()
}

/**
 * Runs `collect` once each time requests stop for `quietMs` (checked every `quietMs / 2`, on a
 * timer that does not keep the process alive); never while requests keep coming, never twice
 * for the same requests.
 */
export const startIdleGc = ({ quietMs = 5000, collect = fullGc }: IdleGcOptions = {}): IdleGc => {
  let requests = 0
  let seen = 0
  let collectedAt = 0
  const timer = setInterval(() => {
    if (requests !== seen) seen = requests
    else if (requests !== collectedAt) {
      collectedAt = requests
      collect()
    }
  }, quietMs / 2)
  timer.unref()
  return {
    note: () => {
      requests++
    },
    stop: () => {
      clearInterval(timer)
    },
  }
}
