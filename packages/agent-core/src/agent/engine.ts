// What start() builds once every input exists (the age key is read, the source and the cache
// location are ready): decryptor → provider → pipeline → loop → serving gate, each from the ones
// before it. Nothing here runs before start, so nothing needs a stand-in.
import type { DiskCache } from '@clef-sh/cache'
import { createBulkPool, createDecryptor, createKmsResolver, type KmsResolver } from '@clef-sh/decrypt'
import { AgentError, ErrorCode, type Logger } from '@clef-sh/errors'
import type { ArtifactSource } from '@clef-sh/sources'
import type { AgentConfig } from '../config/types.ts'
import { createCachedProvider } from './cached-provider.ts'
import type { AgentEmitter } from './events.ts'
import type { HighWater } from './high-water.ts'
import { createJitProvider } from './jit-provider.ts'
import type { AgentMetrics } from './metrics.ts'
import type { DecryptObserver, SecretsProvider } from './provider.ts'
import { createRefreshLoop, type RefreshLoop } from './refresh-loop.ts'
import { createPipeline } from './refresh-pipeline.ts'
import { createNextDelay } from './schedule.ts'
import { createServeGate, type ServeGate } from './serve-gate.ts'
import type { AgentState } from './state.ts'
import type { RefreshEvent, Timers } from './types.ts'

/** Options of {@link createEngine}: the agent's long-lived parts and what start() found. */
export interface EngineOptions {
  config: AgentConfig
  /** The age secret key, read at start. */
  ageIdentity: string | undefined
  kms: KmsResolver | undefined
  source: ArtifactSource
  state: AgentState
  metrics: AgentMetrics
  /** Sees every decrypt (duration) and each accepted revision (the telemetry auth headers). */
  observer: DecryptObserver
  highWater: HighWater
  diskCache: DiskCache | undefined
  events: Pick<AgentEmitter, 'withdrawn'>
  /** Reports a refresh outcome to telemetry and listeners. */
  emit: (event: RefreshEvent) => void
  logger: Logger
  now: () => number
  random: () => number
  timers: Timers
}

/** The running parts of one started agent. */
export interface Engine {
  readonly provider: SecretsProvider
  readonly loop: RefreshLoop
  readonly gate: ServeGate
  /** Aborts per-request decrypts and the refresh in flight, drops the plaintext, ends the workers. */
  stop(reason: string): Promise<void>
}

/** Builds the {@link Engine}; does no I/O until `loop.start()`. */
export const createEngine = (opts: EngineOptions): Engine => {
  const { config, state, metrics, logger, now, emit } = opts
  // Per-request JIT decrypts end with the agent, like the refresh in flight.
  const stopping = new AbortController()
  // JIT mode decrypts per request: off the event loop, so probes answer under any secrets load.
  const bulk = config.ttlMs === 0 ? createBulkPool() : undefined
  const decryptor = createDecryptor({
    ageIdentity: opts.ageIdentity,
    kms: opts.kms ?? createKmsResolver({ logger }),
    bulk,
  })
  const { observer } = opts
  const provider =
    config.ttlMs === 0
      ? createJitProvider({ decryptor, signal: stopping.signal, observer, release: bulk?.release })
      : createCachedProvider({ decryptor, freshness: state, observer })
  const pipeline = createPipeline({
    source: opts.source,
    provider,
    state,
    metrics,
    logger,
    now,
    emit,
    withdrawn: opts.events.withdrawn,
    verifyKey: config.verifyKey,
    lineage: config.lineage,
    highWater: opts.highWater,
    diskCache: opts.diskCache,
  })
  const loop = createRefreshLoop({
    timers: opts.timers,
    run: (signal) => pipeline.refresh(signal),
    delayAfter: createNextDelay({
      ttlMs: config.ttlMs,
      now,
      random: opts.random,
      expiresAtMs: () => state.held?.expiresAtMs,
    }),
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
    onCacheExpired: (error) => {
      const fields = { code: error.code, message: error.message, source: opts.source.describe() }
      logger.warn('cache expired', fields)
      emit({ ok: false, code: error.code, message: error.message })
    },
  })
  // After each refresh, let the gate notice an expiry or a TTL that ran out, requests or not.
  loop.afterEach(() => gate.ready())

  return {
    provider,
    loop,
    gate,
    stop: async (reason) => {
      stopping.abort(new AgentError(ErrorCode.NotLoaded, `the agent is stopping: ${reason}`))
      await loop.stop(reason)
      provider.wipe()
      await bulk?.close()
    },
  }
}
