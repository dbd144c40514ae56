// The reader the extension serves from. Requests made while the first load runs wait for it
// (the function's init code runs while the extension's INIT loads), and under SnapStart, where no
// secret may be loaded before the snapshot, the first request or INVOKE starts the agent.
import type { Agent } from '@clef-sh/agent-core'
import type { AgentReader } from '@clef-sh/http-api'

/** The agent's reader, starting the agent on first use. */
export interface LazyReader {
  readonly reader: AgentReader
  /** Starts the agent (once) and resolves when its first load attempt ended. */
  ensureStarted(): Promise<void>
  /** True once a start was requested. */
  started(): boolean
}

/**
 * Wraps `agent.reader`: until the first load attempt ended, `secrets()` and `refresh()` start the
 * agent if needed and wait for that attempt; afterwards they are the agent's own.
 */
export const createLazyReader = (agent: Agent): LazyReader => {
  let starting: Promise<void> | undefined
  let settled = false
  const inner = agent.reader
  const ensureStarted = (): Promise<void> =>
    (starting ??= agent.start().finally(() => {
      settled = true
    }))
  const reader: AgentReader = {
    health: () => inner.health(),
    ready: () => inner.ready(),
    // Once loaded, this is the inner reader's synchronous fast path plus one check.
    secrets: () => (settled ? inner.secrets() : ensureStarted().then(() => inner.secrets())),
    refresh: () => (settled ? inner.refresh() : ensureStarted().then(() => inner.refresh())),
    metrics: () => inner.metrics(),
  }
  return { reader, ensureStarted, started: () => starting !== undefined }
}
