// When to poll next (docs/SPEC.md §6). Pure arithmetic over an injected clock and random source, so the
// schedule is tested without sleeping.

/** Never poll more often than this, whatever the TTL or expiry says. */
export const MIN_INTERVAL_MS = 5_000
/** JIT mode has no TTL to derive an interval from. */
export const JIT_INTERVAL_MS = 30_000
/** First retry delay while refreshes fail; it doubles up to the normal interval. */
export const BACKOFF_START_MS = 5_000
/**
 * Node's timers overflow above a signed 32-bit ms count and then fire after 1 ms, which would
 * turn a far-future expiry (2099) into a busy loop.
 */
export const MAX_TIMER_MS: number = 2 ** 31 - 1

const JITTER = 0.1

/** Options of {@link normalInterval}. */
export interface IntervalOptions {
  /** Cache TTL; 0 is JIT mode. */
  ttlMs: number
  now: number
  /** The held artifact's `expiresAt` in epoch ms, when it has one. */
  expiresAtMs?: number | undefined
}

const clamp = (ms: number): number => Math.min(MAX_TIMER_MS, Math.max(MIN_INTERVAL_MS, Math.round(ms)))

/** The poll interval before jitter: min(TTL/10 or 30 s in JIT mode, 80% of the time left). */
export const normalInterval = ({ ttlMs, now, expiresAtMs }: IntervalOptions): number => {
  const base = ttlMs === 0 ? JIT_INTERVAL_MS : ttlMs / 10
  const beforeExpiry = expiresAtMs === undefined ? Number.POSITIVE_INFINITY : 0.8 * (expiresAtMs - now)
  return clamp(Math.min(base, beforeExpiry))
}

/** Spreads `ms` by ±10% with `random()` in [0, 1), then clamps to [5 s, 2^31−1 ms]. */
export const withJitter = (ms: number, random: () => number): number =>
  clamp(ms * (1 - JITTER + 2 * JITTER * random()))

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** Consecutive failed refreshes, at least 1. */
  failures: number
  /** The normal interval, which caps the backoff. */
  normalMs: number
  /** What the source asked for (Retry-After); the delay is never shorter. */
  retryAfterMs?: number | undefined
  random: () => number
}

/** 5 s, 10 s, 20 s … capped at the normal interval, jittered, and never before `retryAfterMs`. */
export const backoffDelay = ({ failures, normalMs, retryAfterMs, random }: BackoffOptions): number => {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30)
  const backoff = withJitter(Math.min(BACKOFF_START_MS * 2 ** exponent, normalMs), random)
  return retryAfterMs === undefined ? backoff : clamp(Math.max(backoff, retryAfterMs))
}

/** Options of {@link createNextDelay}. */
export interface NextDelayOptions {
  ttlMs: number
  now: () => number
  random: () => number
  /** The held artifact's expiry, read at each decision. */
  expiresAtMs: () => number | undefined
}

const retryAfterOf = (error: unknown): number | undefined => {
  const hinted =
    typeof error === 'object' && error !== null && 'retryAfterMs' in error ? error.retryAfterMs : undefined
  return typeof hinted === 'number' ? hinted : undefined
}

/**
 * The refresh loop's policy: after a success the jittered normal interval, after `failures`
 * consecutive failures the backoff, honouring a source's `retryAfterMs`.
 */
export const createNextDelay =
  (opts: NextDelayOptions) =>
  (outcome: { error?: unknown }, failures: number): number => {
    const normalMs = normalInterval({ ttlMs: opts.ttlMs, now: opts.now(), expiresAtMs: opts.expiresAtMs() })
    if (outcome.error === undefined) return withJitter(normalMs, opts.random)
    return backoffDelay({
      failures,
      normalMs,
      retryAfterMs: retryAfterOf(outcome.error),
      random: opts.random,
    })
  }
