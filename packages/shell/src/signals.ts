// Process signals of the long-running commands: SIGTERM/SIGINT drain and exit, SIGHUP refreshes
// now. A second SIGHUP during a refresh joins it instead of queueing another fetch.
import type { Logger } from '@clef-sh/errors'
import type { AgentReader } from '@clef-sh/http-api'
import { codeOf, messageOf } from './safe-message.ts'

/** Longest a drain may take before the process exits anyway (orchestrators SIGKILL at 10 s+). */
export const SHUTDOWN_DEADLINE_MS = 4500

/** Calls `drain` once on the first SIGTERM or SIGINT, then exits 0 (at the latest after the deadline). */
export const exitOnShutdownSignals = (drain: (signal: string) => Promise<unknown>, logger: Logger): void => {
  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info('stopping', { signal })
    setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS).unref()
    void drain(signal).finally(() => process.exit(0))
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      shutdown(signal)
    })
  }
}

/** A coalesced "refresh now": logs the revision or the failure code, never throws. */
export const createReload = (reader: AgentReader, logger: Logger): (() => Promise<void>) => {
  let inFlight: Promise<void> | undefined
  const reload = async (): Promise<void> => {
    try {
      const { revision } = await reader.refresh()
      logger.info('refreshed on SIGHUP', { revision })
    } catch (e) {
      logger.warn('refresh on SIGHUP failed', { code: codeOf(e), message: messageOf(e) })
    } finally {
      inFlight = undefined
    }
  }
  return () => (inFlight ??= reload())
}

/** SIGHUP → `reload()`. */
export const refreshOnSighup = (reload: () => Promise<void>): void => {
  process.on('SIGHUP', () => void reload())
}
