// The first load of `clef-agent exec`: the command needs its secrets before it starts, so a source
// that is briefly unreachable (a restart, a failover, a 5xx) is retried with backoff for up to
// CLEF_AGENT_EXEC_RETRY_FOR. A failure that waiting cannot fix (a bad key, a refused artifact,
// auth, a missing artifact) ends exec at once.
import { setTimeout as sleep } from 'node:timers/promises'
import { DEFAULTS, type Agent, type AgentConfig } from '@clef-sh/agent-core'
import { AgentError, ErrorCode, isAgentError, isErrorCode, type Logger } from '@clef-sh/errors'
import { fatal } from '../startup.ts'
import type { Forwarder } from './forward-signals.ts'
import { nextRetryDelay, seconds } from './retry-policy.ts'

/** Options of {@link loadWithRetry}. */
export interface LoadWithRetryOptions {
  agent: Agent
  config: AgentConfig
  logger: Logger
  signals: Forwarder
  /** Default `Date.now`. */
  now?: () => number
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number
}

/** True when waiting may help: the failure that keeps the secrets from being served is transient. */
const isTransient = async (agent: Agent): Promise<boolean> =>
  agent.getAll().then(
    () => false,
    // getAll rejects with the last failure, its `transient` flag (set by the source) included.
    (e: unknown) => isAgentError(e) && e.transient,
  )

/** The last failure, as /v1/health reports it: code, message and hint, never a secret. */
const lastFailure = (agent: Agent): { code: ErrorCode; message: string; hint: string | undefined } => {
  const last = agent.serving.status().lastError
  if (last === undefined) return { code: ErrorCode.NotLoaded, message: 'not_loaded', hint: undefined }
  const code = isErrorCode(last.code) ? last.code : ErrorCode.NotLoaded
  return { code, message: `${last.code}: ${last.message}`, hint: last.hint }
}

/** What to do when the source stayed unavailable for the whole bound. */
const giveUpHint = (boundMs: number): string =>
  boundMs === 0
    ? 'retries are off (CLEF_AGENT_EXEC_RETRY_FOR=0): set it to the seconds exec may wait for the source'
    : `retried for ${seconds(boundMs)}: check that the source is reachable, or raise CLEF_AGENT_EXEC_RETRY_FOR (seconds) to wait longer`

/** A signal ends exec (see run-exec.ts): wait for that instead of going on. */
const never = (): Promise<never> => new Promise<never>(() => undefined)

/**
 * Starts `agent` and waits until it holds secrets. Transient failures are retried (0.5 s doubling
 * to 5 s, jittered, logged as `retrying` with the code and the delay) until `config.execRetryMs`
 * (default 30 s) has passed. Otherwise, and on giving up, stops the agent and exits 1 with the last
 * failure's code and a hint; a `config_invalid` start (bad key file) exits 1 at once.
 */
export const loadWithRetry = async (opts: LoadWithRetryOptions): Promise<void> => {
  const { agent, config, logger, signals } = opts
  const now = opts.now ?? Date.now
  const random = opts.random ?? Math.random
  const boundMs = config.execRetryMs ?? DEFAULTS.execRetrySeconds * 1000
  const startedAt = now()
  const started = await agent.start().then(
    () => true,
    (e: unknown) => e,
  )
  if (signals.pending() !== undefined) return never()
  if (started !== true) return fatal(config.logFormat, started)
  for (let attempts = 1; ; attempts++) {
    if (agent.ready) return
    const transient = await isTransient(agent)
    const delayMs = transient
      ? nextRetryDelay({ failures: attempts, remainingMs: startedAt + boundMs - now(), random })
      : undefined
    const failure = lastFailure(agent)
    if (delayMs === undefined) {
      await agent.stop('exec: not ready')
      const gaveUp = transient
        ? `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} over ${seconds(now() - startedAt)}: `
        : ''
      const hint = transient ? giveUpHint(boundMs) : failure.hint
      const message = `no secrets to run the command with: ${gaveUp}${failure.message}`
      return fatal(
        config.logFormat,
        new AgentError(failure.code, message, hint === undefined ? {} : { hint }),
      )
    }
    logger.warn('secrets not loaded yet: retrying', {
      code: failure.code,
      message: failure.message,
      attempt: attempts,
      retryInMs: delayMs,
    })
    await sleep(delayMs)
    if (signals.pending() !== undefined) return never()
    // The outcome shows in `ready` and the last failure; the rejection itself adds nothing.
    await agent.serving.refresh().catch(() => undefined)
    if (signals.pending() !== undefined) return never()
  }
}
