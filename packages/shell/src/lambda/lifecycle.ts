// The extension's life under Lambda: register, load during INIT (or on the first INVOKE under
// SnapStart), then one event at a time: INVOKE refreshes when stale (always in JIT mode), SHUTDOWN
// stops within its deadline. INIT failures go to init/error, later fatal ones to exit/error.
import type { Agent } from '@clef-sh/agent-core'
import { AgentError, ErrorCode, isErrorCode, type Logger } from '@clef-sh/errors'
import { codeOf, messageOf } from '../safe-message.ts'
import { extensionErrorType } from './error-type.ts'
import type { ExtensionEvent, ExtensionEventType, ExtensionsClient } from './extensions-api.ts'
import type { LazyReader } from './lazy-reader.ts'

/** What `setup` gives once registered: the agent behind an API that is already listening. */
export interface ExtensionServing {
  readonly agent: Agent
  readonly lazy: LazyReader
  /** The cache TTL; 0 is JIT mode. */
  readonly ttlMs: number
  /** Stops the agent (dropping the plaintext) and drains the API. */
  close(reason: string): Promise<void>
}

/** What the extension registers for. */
export const EXTENSION_EVENTS: readonly ExtensionEventType[] = ['INVOKE', 'SHUTDOWN']

/** Options of {@link runExtension}. */
export interface ExtensionOptions {
  client: ExtensionsClient
  /**
   * `client.register(name, EXTENSION_EVENTS)`, already in flight: Lambda starts the function's
   * runtime init only once every extension registered, so the caller registers first.
   */
  registration: Promise<unknown>
  /** Builds the agent and starts the API; throws AgentError (`config_invalid`, …) when it cannot. */
  setup: () => Promise<ExtensionServing>
  /** AWS_LAMBDA_INITIALIZATION_TYPE=snap-start: load nothing before the first INVOKE. */
  snapStart: boolean
  logger: Logger
  /** Epoch ms (event deadlines are epoch ms). Default `Date.now`. */
  now?: () => number
}

// Left of the SHUTDOWN deadline for exiting after the drain.
const SHUTDOWN_MARGIN_MS = 100

/** A failure to report: during INIT (init/error) or after it (exit/error). */
interface Failure {
  kind: 'init' | 'exit'
  error: unknown
  /** Closed before reporting, so no secret outlives the failure. */
  serving: ExtensionServing | undefined
}

/** Reports the failure as `Extension.<Code>` and resolves exit code 1. */
const reportFailure = async (
  { client, logger }: ExtensionOptions,
  { kind, error, serving }: Failure,
): Promise<number> => {
  const errorType = extensionErrorType(codeOf(error))
  logger.error(kind === 'init' ? 'init failed' : 'fatal error', {
    code: codeOf(error),
    message: messageOf(error),
    errorType,
  })
  await serving?.close(`${kind} error`)
  try {
    await (kind === 'init'
      ? client.initError(errorType, messageOf(error))
      : client.exitError(errorType, messageOf(error)))
  } catch (e) {
    logger.error(`${kind}/error failed`, { message: messageOf(e) })
  }
  return 1
}

/** The first load during INIT; rejects with the AgentError that keeps secrets from being served. */
const loadDuringInit = async ({ agent, lazy }: ExtensionServing): Promise<void> => {
  await lazy.ensureStarted()
  if (agent.ready) return
  const last = agent.serving.status().lastError
  throw last === undefined
    ? new AgentError(ErrorCode.NotLoaded, 'no secrets could be loaded')
    : new AgentError(isErrorCode(last.code) ? last.code : ErrorCode.Internal, last.message)
}

const isStale = ({ agent, ttlMs }: ExtensionServing, now: number): boolean => {
  const at = agent.serving.status().lastRefreshAt
  return ttlMs === 0 || at === undefined || now - at >= ttlMs
}

/** INVOKE: the first one starts the agent under SnapStart; later ones refresh when stale. */
const onInvoke = async (opts: ExtensionOptions, serving: ExtensionServing, now: number): Promise<void> => {
  if (!serving.lazy.started()) {
    await serving.lazy.ensureStarted()
    return
  }
  if (!isStale(serving, now)) return
  try {
    await serving.lazy.reader.refresh()
  } catch (e) {
    opts.logger.warn('refresh on INVOKE failed', { code: codeOf(e), message: messageOf(e) })
  }
}

// Lambda sends the deadline as epoch ms; its guide describes it as the time remaining. Anything
// that cannot be an epoch (before 2001) is taken as the remaining ms, so neither reading cuts the drain.
const msLeft = (deadlineMs: number, now: number): number =>
  deadlineMs > 1e12 ? deadlineMs - now : deadlineMs

const onShutdown = async (serving: ExtensionServing, event: ExtensionEvent, now: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined
  const budget = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, msLeft(event.deadlineMs, now) - SHUTDOWN_MARGIN_MS))
  })
  await Promise.race([serving.close('SHUTDOWN'), budget])
  clearTimeout(timer)
}

/**
 * Runs the extension until SHUTDOWN (resolves 0) or a failure (resolves 1 after reporting it to
 * init/error or exit/error). Never rejects.
 */
export const runExtension = async (opts: ExtensionOptions): Promise<number> => {
  const now = opts.now ?? Date.now
  try {
    await opts.registration
  } catch (e) {
    opts.logger.error('register failed', { message: messageOf(e) })
    return 1
  }
  let serving: ExtensionServing | undefined
  try {
    serving = await opts.setup()
    if (!opts.snapStart) await loadDuringInit(serving)
  } catch (e) {
    return reportFailure(opts, { kind: 'init', error: e, serving })
  }
  for (;;) {
    try {
      const event = await opts.client.next()
      if (event.eventType === 'SHUTDOWN') {
        opts.logger.info('shutting down', { reason: event.shutdownReason })
        await onShutdown(serving, event, now())
        return 0
      }
      await onInvoke(opts, serving, now())
    } catch (e) {
      return reportFailure(opts, { kind: 'exit', error: e, serving })
    }
  }
}
