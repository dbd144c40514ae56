// The reader the extension serves from. Requests made while the first load runs wait for it
// (the function's init code runs while the extension's INIT loads). Under SnapStart no secret may
// be loaded before the snapshot, whoever asks: only the first INVOKE starts the agent, and a
// secrets request before it is refused (`snapstart_init`) instead of starting a load.
import type { Agent } from '@clef-sh/agent-core'
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { createAgentReader, type AgentReader } from '@clef-sh/http-api'

/** The agent's reader, starting the agent on first use. */
export interface LazyReader {
  readonly reader: AgentReader
  /** Starts the agent (once) and resolves when its first load attempt ended. */
  ensureStarted(): Promise<void>
  /** True once a start was requested. */
  started(): boolean
}

/** Options of {@link createLazyReader}. */
export interface LazyReaderOptions {
  /** SnapStart: until `ensureStarted()` (the first INVOKE), secrets requests are refused. */
  snapStart?: boolean
}

const beforeFirstInvoke = (): AgentError =>
  new AgentError(
    ErrorCode.SnapStartInit,
    'secrets are not loaded before the first INVOKE under SnapStart (nothing may be decrypted into ' +
      'the snapshot): read secrets in the handler, not in init code',
  )

/**
 * Wraps the API's reader of `agent.serving`: until the first load attempt ended, `secrets()` and `refresh()` start the
 * agent if needed and wait for that attempt; afterwards they are the agent's own. With
 * `snapStart`, they reject with AgentError `snapstart_init` until `ensureStarted()` was called.
 */
export const createLazyReader = (agent: Agent, opts: LazyReaderOptions = {}): LazyReader => {
  let starting: Promise<void> | undefined
  let settled = false
  const inner = createAgentReader(agent.serving)
  const ensureStarted = (): Promise<void> =>
    (starting ??= agent.start().finally(() => {
      settled = true
    }))
  // A request may join a start, never begin one under SnapStart.
  const whenStarted = (): Promise<void> =>
    opts.snapStart === true && starting === undefined ? Promise.reject(beforeFirstInvoke()) : ensureStarted()
  const reader: AgentReader = {
    health: () => inner.health(),
    ready: () => inner.ready(),
    // Once loaded, this is the inner reader's synchronous fast path plus one check.
    secrets: () => (settled ? inner.secrets() : whenStarted().then(() => inner.secrets())),
    refresh: () => (settled ? inner.refresh() : whenStarted().then(() => inner.refresh())),
    metrics: () => inner.metrics(),
  }
  return { reader, ensureStarted, started: () => starting !== undefined }
}
