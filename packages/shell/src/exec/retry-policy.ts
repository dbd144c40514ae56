// How `clef-agent exec` waits between attempts at its first load: exponential backoff with jitter,
// bounded by CLEF_AGENT_EXEC_RETRY_FOR. As a container entrypoint, exec must ride out a source
// that blips (a restart, a failover) rather than turn it into a crash loop, yet still give up in a
// bounded time so that a source that stays down is reported, not waited on forever.

/** First delay; it doubles after each failed attempt. */
export const FIRST_RETRY_MS = 500
/** No delay is longer: a source that comes back is noticed within this. */
export const MAX_RETRY_MS = 5_000
/** Each delay is spread over ±20% so that a fleet restarted at once does not retry in step. */
const JITTER = 0.2

/** Options of {@link nextRetryDelay}. */
export interface RetryDelayOptions {
  /** Failed attempts so far, at least 1. */
  failures: number
  /** Time left before the bound, in ms. */
  remainingMs: number
  /** Jitter source in [0, 1). */
  random: () => number
}

/**
 * The delay before the next attempt: 0.5 s, 1 s, 2 s, 4 s, then 5 s, each ±20%, cut to the time
 * left. Undefined when no time is left: give up.
 */
export const nextRetryDelay = ({ failures, remainingMs, random }: RetryDelayOptions): number | undefined => {
  if (remainingMs <= 0) return undefined
  const exponent = Math.min(Math.max(failures, 1) - 1, 20)
  const base = Math.min(FIRST_RETRY_MS * 2 ** exponent, MAX_RETRY_MS)
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()))
  return Math.min(jittered, Math.ceil(remainingMs))
}

/** `1.5 s`, `30 s`: a duration as the log lines and hints write it. */
export const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1)).toString()} s`
