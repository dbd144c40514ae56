// Process signals of the long-running commands: SIGTERM/SIGINT drain and exit, SIGHUP refreshes
// now. A second SIGHUP during a refresh joins it instead of queueing another fetch.
import type { Logger } from '@clef-sh/errors'
import type { AgentReader } from '@clef-sh/http-api'
import { endBySignal, settle } from './exit.ts'
import { codeOf, messageOf } from './safe-message.ts'

/** Longest a drain may take before the process exits anyway (orchestrators SIGKILL at 10 s+). */
export const SHUTDOWN_DEADLINE_MS = 4500

/**
 * Calls `drain` once on the first SIGTERM or SIGINT, then logs `stopped` (info) and exits 0. At
 * the latest after {@link SHUTDOWN_DEADLINE_MS}, whatever the source does: a drain still running
 * then is given up (warn `stopped at the drain deadline`, `drained: false`, exit 0), and a file or
 * DNS request stuck in the threadpool, which node would wait for on exit, makes the process end by
 * the signal itself (the same warn line, `blocked: n`; see exit.ts).
 */
export const exitOnShutdownSignals = (drain: (signal: string) => Promise<unknown>, logger: Logger): void => {
  let stopping = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    const started = Date.now()
    const deadlineAt = started + SHUTDOWN_DEADLINE_MS
    logger.info('stopping', { signal })
    let finishing = false
    const finish = async (drained: boolean): Promise<void> => {
      if (finishing) return
      finishing = true
      const blocked = await settle(deadlineAt)
      const fields = { signal, drained, ms: Date.now() - started }
      if (drained && blocked === 0) logger.info('stopped', fields)
      else logger.warn('stopped at the drain deadline', { ...fields, blocked })
      if (blocked === 0) process.exit(0)
      endBySignal(signal)
    }
    setTimeout(() => void finish(false), SHUTDOWN_DEADLINE_MS).unref()
    void drain(signal).finally(() => void finish(true))
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
