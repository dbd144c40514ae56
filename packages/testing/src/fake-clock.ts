// A clock whose timers fire only when the test says so: the refresh loop, the TTL and the backoff
// are tested by moving time, never by sleeping. The timer shape is the agent's `Timers`, written
// out structurally so this package needs no dependency on @clef-sh/agent-core (a cycle).
/** A pending fake timer. */
export interface PendingTimer {
  readonly ms: number
  readonly at: number
  readonly fn: () => void
}

/** setTimeout/clearTimeout as the agent takes them (`AgentDeps.timers`). */
export interface FakeTimers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** A clock plus timers that only fire when the test says so. */
export interface FakeClock {
  readonly now: () => number
  readonly advance: (ms: number) => void
  readonly timers: FakeTimers
  readonly pending: () => PendingTimer[]
  /** Moves the clock to the earliest pending timer and runs it; throws when none is pending. */
  readonly fire: () => PendingTimer
}

/** Creates a {@link FakeClock} starting at `start`, the real time by default (revisions look current). */
export const createFakeClock = (start: number = Date.now()): FakeClock => {
  let t = start
  let seq = 0
  const timers = new Map<number, PendingTimer>()
  const pending = () => [...timers.values()].sort((a, b) => a.at - b.at)
  return {
    now: () => t,
    advance: (ms) => {
      t += ms
    },
    timers: {
      setTimeout: (fn, ms) => {
        seq += 1
        timers.set(seq, { fn, ms, at: t + ms })
        return seq
      },
      clearTimeout: (handle) => {
        timers.delete(handle as number)
      },
    },
    pending,
    fire: () => {
      const next = pending()[0]
      if (next === undefined) throw new Error('no pending timer')
      for (const [id, timer] of timers) if (timer === next) timers.delete(id)
      t = Math.max(t, next.at)
      next.fn()
      return next
    },
  }
}
