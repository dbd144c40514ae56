// The agent's typed events: one set of listeners per event name, each call isolated so a throwing
// listener neither breaks the refresh that fired it nor silences the other listeners.
import type { Logger } from '@clef-sh/errors'
import type { AgentEvents, RefreshEvent } from './types.ts'

/** Listener sets of one agent, and the functions that fire them. */
export interface AgentEmitter {
  readonly on: <E extends keyof AgentEvents>(event: E, listener: (e: AgentEvents[E]) => void) => () => void
  readonly onRefresh: (listener: (e: RefreshEvent) => void) => () => void
  /** Fires `onRefresh`, then `refresh` or `error`. */
  readonly refreshed: (event: RefreshEvent) => void
  /** Fires `revoked`. */
  readonly withdrawn: (event: AgentEvents['revoked']) => void
}

type Listener = (e: never) => void

/** Creates the {@link AgentEmitter} of one agent; `logger` hears of listeners that throw. */
export const createAgentEmitter = (logger: Logger): AgentEmitter => {
  const sets = new Map<string, Set<Listener>>()
  const subscribe = (name: string, listener: Listener): (() => void) => {
    let set = sets.get(name)
    if (set === undefined) sets.set(name, (set = new Set()))
    // A wrapper per subscription: the same function subscribed twice is called twice and each
    // unsubscribe removes only its own subscription.
    const entry: Listener = (e) => {
      listener(e)
    }
    set.add(entry)
    return () => {
      set.delete(entry)
    }
  }
  const fire = (name: string, event: unknown): void => {
    const set = sets.get(name)
    if (set === undefined) return
    for (const listener of [...set]) {
      try {
        ;(listener as (e: unknown) => void)(event)
      } catch (e) {
        logger.error('agent event listener failed', {
          event: name,
          error: e instanceof Error ? e.name : typeof e,
        })
      }
    }
  }
  return {
    on: (event, listener) => subscribe(event, listener),
    onRefresh: (listener) => subscribe('*', listener),
    refreshed: (event) => {
      fire('*', event)
      if (event.ok) fire('refresh', { revision: event.revision, changed: event.changed })
      else fire('error', { code: event.code, message: event.message })
    },
    withdrawn: (event) => {
      fire('revoked', event)
    },
  }
}
