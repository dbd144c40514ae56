// Tracks when the source last answered successfully, so cached mode knows when its TTL ran out.
// Any successful fetch renews, whether the artifact changed or not (docs/SPEC.md §6).

/** Options of {@link createFreshness}. */
export interface FreshnessOptions {
  /** How long a successful fetch keeps the snapshot fresh, in milliseconds. */
  ttlMs: number
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number
}

/** Freshness of the served snapshot. */
export interface Freshness {
  /** Records a successful fetch at `now()`. */
  markFresh(): void
  /**
   * True when nothing was fetched yet, or more than `ttlMs + extraMs` passed since the last
   * successful fetch. `extraMs` (default 0) is the stale-if-error grace.
   */
  isStale(extraMs?: number): boolean
  /** Epoch milliseconds of the last successful fetch, or undefined before the first. */
  lastFreshAt(): number | undefined
  /** Forgets the last successful fetch (after a wipe), so the state reads as stale. */
  reset(): void
}

/** Creates a {@link Freshness} tracker that starts stale. */
export const createFreshness = ({ ttlMs, now = Date.now }: FreshnessOptions): Freshness => {
  let last: number | undefined
  return {
    markFresh: () => {
      last = now()
    },
    isStale: (extraMs = 0) => last === undefined || now() - last > ttlMs + extraMs,
    lastFreshAt: () => last,
    reset: () => {
      last = undefined
    },
  }
}
