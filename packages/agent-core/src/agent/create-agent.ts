// createAgent(): the agent's long-lived parts (source, state, telemetry, metrics, events, cache
// location, rollback marks) are built here; start() reads the age key and then builds the engine
// (decryptor → provider → pipeline → loop → gate, engine.ts). Cached or JIT mode is picked there, once.
import { resolveSecret, secretNames, type SecretsSnapshot } from '@clef-sh/artifact-format'
import { createCacheLocation } from '@clef-sh/cache'
import { AgentError, ErrorCode, noopLogger } from '@clef-sh/errors'
import { createSource } from '@clef-sh/sources'
import type { AgentConfig } from '../config/types.ts'
import { startAgeIdentity } from './age-key.ts'
import { createAgentEmitter } from './events.ts'
import { createEngine, type Engine } from './engine.ts'
import { createHighWater } from './high-water.ts'
import { copyValues } from './lookup.ts'
import { createAgentMetrics } from './metrics.ts'
import { createAgentServing, type ReadyState } from './serving.ts'
import { createAgentState, isLoaded } from './state.ts'
import { createAgentTelemetry } from './telemetry-wiring.ts'
import type { Agent, AgentDeps, RefreshEvent, Timers } from './types.ts'

const DEFAULT_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>)
  },
}

const stoppedError = (): AgentError => new AgentError(ErrorCode.NotLoaded, 'the agent is stopped')
const NOT_READY: ReadyState = { ready: false, reason: ErrorCode.NotLoaded }

/**
 * Creates an agent for `config`. Does no I/O until `start()`. The source is built here, once; an
 * unusable source config throws AgentError `config_invalid`.
 */
export const createAgent = (config: AgentConfig, deps: AgentDeps = {}): Agent => {
  const logger = deps.logger ?? noopLogger
  const now = deps.now ?? Date.now
  const mode = config.ttlMs === 0 ? 'jit' : 'cached'
  const source = createSource(config.source, {
    logger,
    ...deps.sourceLimits,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  })
  const state = createAgentState({ now, ttlMs: config.ttlMs })
  const telemetry = createAgentTelemetry({
    url: config.telemetryUrl,
    agentId: config.agentId,
    source: config.source,
    state,
    logger,
    now,
    deps: deps.telemetry,
  })
  const metrics = createAgentMetrics({ now, telemetry: telemetry.stats })
  const events = createAgentEmitter(logger)
  // CLEF_AGENT_CACHE_PATH, a file or a directory in Clef's layout: checked at start (begin).
  const cacheLocation =
    config.cachePath === undefined
      ? undefined
      : createCacheLocation({ path: config.cachePath, lineage: config.lineage, logger })
  const highWater = createHighWater({
    path: cacheLocation === undefined ? undefined : () => cacheLocation.marksPath(),
    allowRollback: config.allowRollback,
    logger,
  })
  // Built by begin() once the age key is read; undefined before start and after a failed start.
  let engine: Engine | undefined

  const begin = async (): Promise<void> => {
    const ageIdentity = await startAgeIdentity(config.ageKey)
    // A source whose client (an optional peer dependency) is missing fails here, not as an outage.
    await source.prepare?.()
    // stop() may have run while the key file was read.
    if (state.phase !== 'idle') throw stoppedError()
    // An unusable cache location stops the start here, naming CLEF_AGENT_CACHE_PATH.
    await cacheLocation?.prepare()
    state.starting()
    engine = createEngine({
      config,
      ageIdentity,
      kms: deps.kms,
      source,
      state,
      metrics,
      observer: { duration: metrics.decrypt, loaded: telemetry.loaded },
      highWater,
      diskCache: cacheLocation?.cache,
      events,
      emit: (event: RefreshEvent) => {
        telemetry.refreshed(event)
        events.refreshed(event)
      },
      logger,
      now,
      random: deps.random ?? Math.random,
      timers: deps.timers ?? DEFAULT_TIMERS,
    })
    logger.info('agent starting', { mode, source: source.describe(), agentId: config.agentId })
    telemetry.started(mode, source.describe())
    const marksProblem = await highWater.load()
    if (marksProblem !== undefined) {
      metrics.marksCorrupt()
      // Reported like a failed refresh would be; the first successful refresh replaces it.
      const { code, message, hint } = marksProblem
      state.failed({ code, message, at: now(), transient: true, hint })
    }
    await engine.loop.start()
    state.running()
  }
  let started: Promise<void> | undefined
  // The first load attempt while it runs; secrets reads wait for it.
  let firstLoad: Promise<void> | undefined
  const start = (): Promise<void> => {
    if (state.phase === 'stopped') return Promise.reject(stoppedError())
    if (started !== undefined) return started
    started = begin()
    const ended = (): void => {
      firstLoad = undefined
    }
    firstLoad = started.then(ended, ended)
    return started
  }

  const stop = async (reason = 'stopped'): Promise<void> => {
    if (state.phase === 'stopped') return
    const was = state.stopped()
    await engine?.stop(reason)
    state.wiped()
    if (was === 'idle') return
    logger.info('agent stopped', { reason })
    await telemetry.stop(reason)
  }

  const current = (): SecretsSnapshot | Promise<SecretsSnapshot> => {
    if (engine !== undefined) return engine.gate.snapshot()
    if (state.phase === 'stopped') throw stoppedError()
    throw new AgentError(ErrorCode.NotLoaded, 'secrets are not loaded yet')
  }
  // Before the first load attempt ended, wait for it (bounded by its own fetch timeout), so a
  // client that calls as soon as the port opens gets its secrets (docs/SPEC.md §7).
  const snapshot = (): SecretsSnapshot | Promise<SecretsSnapshot> =>
    firstLoad === undefined ? current() : firstLoad.then(current)
  const ready = (): ReadyState => engine?.gate.ready() ?? NOT_READY
  const refresh = async (): Promise<{ revision: string | null }> => {
    if (engine === undefined || (!isLoaded(state) && state.phase !== 'starting')) {
      throw new AgentError(ErrorCode.NotLoaded, 'the agent is not running')
    }
    const { event, error } = await engine.loop.refresh()
    if (event.ok) return { revision: event.revision }
    throw error ?? new AgentError(event.code, event.message)
  }
  const serving = createAgentServing({
    state,
    mode,
    snapshot,
    ready,
    firstLoad: () => firstLoad,
    expired: () => engine?.gate.expired() ?? false,
    refresh,
    metrics,
  })
  const values = async () => (await snapshot()).values

  return {
    start,
    stop,
    serving,
    getAll: async () => copyValues(await values()),
    get: async (key) => resolveSecret(await values(), key),
    keys: async () => [...secretNames(await values()).flatNames],
    get revision() {
      return state.held?.artifact.revision ?? null
    },
    get ready() {
      return ready().ready
    },
    on: (event, listener) => events.on(event, listener),
    onRefresh: (listener) => events.onRefresh(listener),
    [Symbol.asyncDispose]: () => stop('disposed'),
  }
}
