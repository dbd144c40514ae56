// The poll loop: one refresh at a time (callers join the one in flight), then the next tick is
// scheduled from its outcome. One AbortSignal ends the fetch in flight when the agent stops.
import { AgentError, ErrorCode } from '@clef-sh/errors'
import type { RefreshOutcome } from './outcomes.ts'
import type { Timers } from './types.ts'

/** Options of {@link createRefreshLoop}. */
export interface RefreshLoopOptions {
  timers: Timers
  /** One refresh; must not reject. */
  run: (signal: AbortSignal) => Promise<RefreshOutcome>
  /** Delay of the next tick after `outcome`, with `failures` consecutive failed refreshes (0 after a success). */
  delayAfter: (outcome: RefreshOutcome, failures: number) => number
}

/** A running (or stopped) poll loop. */
export interface RefreshLoop {
  /** Starts ticking with a first refresh now; resolves with its outcome. */
  start(): Promise<RefreshOutcome>
  /** Refreshes now or joins the refresh in flight. Rejects with `not_loaded` after stop. */
  refresh(): Promise<RefreshOutcome>
  /** True while a refresh runs. */
  busy(): boolean
  /** Aborts the refresh in flight, waits for it to settle and clears the timer. */
  stop(reason?: string): Promise<void>
  /** Aborted on stop; for work that must end with the loop. */
  readonly signal: AbortSignal
  /** Calls `listener` after every refresh, before the next tick is scheduled. */
  afterEach(listener: () => void): void
}

/** Creates a stopped-until-start {@link RefreshLoop}. */
export const createRefreshLoop = ({ timers, run, delayAfter }: RefreshLoopOptions): RefreshLoop => {
  const controller = new AbortController()
  let ticking = false
  let timer: unknown
  let inFlight: Promise<RefreshOutcome> | undefined
  let failures = 0
  const listeners: (() => void)[] = []

  const disarm = (): void => {
    if (timer !== undefined) timers.clearTimeout(timer)
    timer = undefined
  }
  const arm = (outcome: RefreshOutcome): void => {
    failures = outcome.event.ok ? 0 : failures + 1
    if (!ticking || controller.signal.aborted) return
    disarm()
    timer = timers.setTimeout(
      () => {
        timer = undefined
        void refresh()
      },
      delayAfter(outcome, failures),
    )
  }
  const refresh = (): Promise<RefreshOutcome> => {
    if (controller.signal.aborted)
      return Promise.reject(new AgentError(ErrorCode.NotLoaded, 'the agent is stopped'))
    inFlight ??= run(controller.signal).then((outcome) => {
      for (const listener of listeners) listener()
      inFlight = undefined
      arm(outcome)
      return outcome
    })
    return inFlight
  }

  return {
    start: () => {
      ticking = true
      return refresh()
    },
    refresh,
    busy: () => inFlight !== undefined,
    stop: async (reason = 'stopped') => {
      ticking = false
      disarm()
      controller.abort(new AgentError(ErrorCode.NotLoaded, `the agent is stopping: ${reason}`))
      await inFlight
      disarm()
    },
    signal: controller.signal,
    afterEach: (listener) => {
      listeners.push(listener)
    },
  }
}
