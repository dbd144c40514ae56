// createAgent(): wires source → checks → provider → serving gate → reader, and owns the refresh
// loop's lifecycle. Cached or JIT mode is picked here, once.
import { resolveSecret, secretNames } from '@clef-sh/artifact-format'
import { createCacheLocation, createFreshness } from '@clef-sh/cache'
import { createBulkPool, createDecryptor, createKmsResolver } from '@clef-sh/decrypt'
import { AgentError, ErrorCode, noopLogger } from '@clef-sh/errors'
import { createSource } from '@clef-sh/sources'
import type { AgentConfig } from '../config/types.ts'
import { createAgentReader } from './agent-reader.ts'
import { loadAgeIdentity } from './age-key.ts'
import { createCachedProvider } from './cached-provider.ts'
import { createHighWater } from './high-water.ts'
import { createJitProvider } from './jit-provider.ts'
import { copyValues } from './lookup.ts'
import { createAgentMetrics } from './metrics.ts'
import { observeDecryptor } from './observed-decryptor.ts'
import type { SecretsProvider } from './provider.ts'
import { createRefreshLoop } from './refresh-loop.ts'
import { createPipeline } from './refresh-pipeline.ts'
import { createLateDecryptor } from './late-decryptor.ts'
import { createNextDelay } from './schedule.ts'
import { createServeGate } from './serve-gate.ts'
import { createAgentState, type AgentPhase, type AgentState } from './state.ts'
import { createAgentTelemetry } from './telemetry-wiring.ts'
import type { Agent, AgentDeps, RefreshEvent, Timers } from './types.ts'
import { createAgentEmitter } from './events.ts'

// Reads the phase afresh: type narrowing cannot see stop() changing it across an await.
const phaseOf = (state: AgentState): AgentPhase => state.phase

const DEFAULT_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>)
  },
}

/**
 * Creates an agent for `config`. Does no I/O until `start()`. The source is built here, once; an
 * unusable source config throws AgentError `config_invalid`.
 */
export const createAgent = (config: AgentConfig, deps: AgentDeps = {}): Agent => {
  const logger = deps.logger ?? noopLogger
  const now = deps.now ?? Date.now
  const random = deps.random ?? Math.random
  const source = createSource(config.source, {
    logger,
    ...deps.sourceLimits,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  })
  const state = createAgentState()
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
  const freshness = createFreshness({ ttlMs: config.ttlMs, now })
  const events = createAgentEmitter(logger)
  const late = createLateDecryptor()
  // JIT mode decrypts per request: off the event loop, so probes answer under any secrets load.
  const bulk = config.ttlMs === 0 ? createBulkPool() : undefined
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

  const loop = createRefreshLoop({
    timers: deps.timers ?? DEFAULT_TIMERS,
    // After each refresh, let the gate notice an expiry or a TTL that ran out, requests or not.
    run: (signal) =>
      pipeline.refresh(signal).then((outcome) => {
        gate.ready()
        return outcome
      }),
    delayAfter: createNextDelay({
      ttlMs: config.ttlMs,
      now,
      random,
      expiresAtMs: () => state.held?.expiresAtMs,
    }),
  })
  const provider: SecretsProvider =
    config.ttlMs === 0
      ? createJitProvider({ decryptor: late.decryptor, signal: loop.signal, release: bulk?.release })
      : createCachedProvider({ decryptor: late.decryptor, freshness })
  const emit = (event: RefreshEvent): void => {
    telemetry.refreshed(event)
    events.refreshed(event)
  }
  const pipeline = createPipeline({
    source,
    provider,
    state,
    freshness,
    metrics,
    logger,
    now,
    emit,
    withdrawn: events.withdrawn,
    verifyKey: config.verifyKey,
    lineage: config.lineage,
    highWater,
    diskCache: cacheLocation?.cache,
  })
  const gate = createServeGate({
    provider,
    state,
    pipeline,
    now,
    ttlMs: config.ttlMs,
    staleIfErrorMs: config.staleIfErrorMs,
    refresh: () => loop.refresh(),
    refreshing: () => loop.busy(),
    firstLoad: () => firstLoad,
    onCacheExpired: (error) => {
      logger.warn('cache expired', { code: error.code, message: error.message, source: source.describe() })
      emit({ ok: false, code: error.code, message: error.message })
    },
  })
  const reader = createAgentReader({ state, provider, gate, loop, metrics })

  const begin = async (): Promise<void> => {
    const ageIdentity = await loadAgeIdentity(config.ageKey)
    // A source whose client (an optional peer dependency) is missing fails here, not as an outage.
    await source.prepare?.()
    // stop() may have run while the key file was read.
    if (state.phase !== 'idle') throw new AgentError(ErrorCode.NotLoaded, 'the agent is stopped')
    const kms = deps.kms ?? createKmsResolver({ logger })
    const decryptor = createDecryptor({ ageIdentity, kms, bulk })
    late.set(observeDecryptor(decryptor, { duration: metrics.decrypt, loaded: telemetry.loaded }))
    // An unusable cache location stops the start here, naming CLEF_AGENT_CACHE_PATH.
    await cacheLocation?.prepare()
    if (phaseOf(state) !== 'idle') throw new AgentError(ErrorCode.NotLoaded, 'the agent is stopped')
    state.phase = 'starting'
    logger.info('agent starting', { mode: provider.mode, source: source.describe(), agentId: config.agentId })
    telemetry.started(provider.mode, source.describe())
    const marksProblem = await highWater.load()
    if (marksProblem !== undefined) {
      metrics.marksCorrupt()
      // Reported like a failed refresh would be; the first successful refresh replaces it.
      state.lastError = {
        code: marksProblem.code,
        message: marksProblem.message,
        at: now(),
        transient: true,
        hint: marksProblem.hint,
      }
    }
    await loop.start()
    if (phaseOf(state) === 'starting') state.phase = 'running'
  }
  let started: Promise<void> | undefined
  // The first load attempt while it runs; secrets reads wait for it (the gate's firstLoad).
  let firstLoad: Promise<void> | undefined
  const start = (): Promise<void> => {
    if (state.phase === 'stopped')
      return Promise.reject(new AgentError(ErrorCode.NotLoaded, 'the agent is stopped'))
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
    const wasRunning = state.phase !== 'idle'
    state.phase = 'stopped'
    await loop.stop(reason)
    provider.wipe()
    state.held = undefined
    await bulk?.close()
    if (wasRunning) logger.info('agent stopped', { reason })
    if (wasRunning) await telemetry.stop(reason)
  }
  const values = async () => {
    const snapshot = await gate.snapshot()
    return snapshot.values
  }

  return {
    start,
    stop,
    reader,
    getAll: async () => copyValues(await values()),
    get: async (key) => resolveSecret(await values(), key),
    keys: async () => [...secretNames(await values()).flatNames],
    get revision() {
      return state.held?.artifact.revision ?? null
    },
    get ready() {
      return gate.ready().ready
    },
    on: (event, listener) => events.on(event, listener),
    onRefresh: (listener) => events.onRefresh(listener),
    recordRequest: metrics.request,
    [Symbol.asyncDispose]: () => stop('disposed'),
  }
}
