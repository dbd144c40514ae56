// One refresh, end to end: fetch from the source (with the last ETag), ingest, write the disk
// cache, and record the outcome everywhere it shows (the state's transitions, metrics, log, listeners).
import { expiredError, expiresAtMs, type VerifyKey } from '@clef-sh/artifact-format'
import type { CacheLineage, DiskCache } from '@clef-sh/cache'
import { AgentError, ErrorCode, toAgentError, type Logger } from '@clef-sh/errors'
import type { ArtifactSource } from '@clef-sh/sources'
import type { LineagePin } from '../config/types.ts'
import type { HighWater } from './high-water.ts'
import { ingest, type IngestContext } from './ingest.ts'
import type { AgentMetrics } from './metrics.ts'
import { createOutcomes, type RefreshOutcome } from './outcomes.ts'
import type { SecretsProvider } from './provider.ts'
import type { AgentState } from './state.ts'
import type { AgentEvents, RefreshEvent } from './types.ts'

/** Options of {@link createPipeline}. */
export interface PipelineOptions {
  source: ArtifactSource
  provider: SecretsProvider
  state: AgentState
  metrics: AgentMetrics
  logger: Logger
  now: () => number
  verifyKey: VerifyKey | undefined
  /** The pinned identity and environment, if any. */
  lineage?: LineagePin | undefined
  /** Rollback marks; saved after the disk cache, so a crash never leaves a mark above the cache. */
  highWater: HighWater
  diskCache: DiskCache | undefined
  emit: (event: RefreshEvent) => void
  /** Hears that held secrets were wiped, before the failure is reported through `emit`. */
  withdrawn: (event: AgentEvents['revoked']) => void
}

/** The refresh steps the loop and the serving gate call. */
export interface Pipeline {
  /** Fetches and ingests; at start, falls back to the disk cache when that fails. Never rejects. */
  refresh(signal: AbortSignal): Promise<RefreshOutcome>
  /** Wipes a held artifact whose `expiresAt` passed, reporting `expired`. No-op otherwise. */
  expireIfDue(): void
}

/** Creates the {@link Pipeline}. */
export const createPipeline = (opts: PipelineOptions): Pipeline => {
  const { source, provider, state, metrics, logger, now, diskCache, emit } = opts
  const where = source.describe()

  const clearDisk = async (): Promise<void> => {
    await diskCache?.clear().catch((e: unknown) => {
      logger.error('disk cache could not be removed', { path: diskCache.path, message: String(e) })
    })
  }
  const wipe = async (reason: AgentError, lasting = true): Promise<void> => {
    provider.wipe()
    const { code } = reason
    const held = state.wiped()
    logger.error('secrets wiped', { code, message: reason.message, source: where })
    if (held !== undefined && (code === ErrorCode.Expired || code === ErrorCode.Revoked)) {
      // A wiped revision stays dead, even when a clock set back makes it look unexpired again;
      // unless the wipe came from text nobody vouched for (ingest decides: see wipeIsLasting).
      if (lasting) opts.highWater.wiped(held.artifact, code)
      opts.withdrawn({ reason: code, revision: held.artifact.revision, message: reason.message })
    }
    await clearDisk()
    await opts.highWater.save()
  }
  const ctx: IngestContext = {
    state,
    provider,
    now,
    verifyKey: opts.verifyKey,
    lineage: opts.lineage,
    highWater: opts.highWater,
    wipe,
  }

  const { succeed, fail, report } = createOutcomes({ state, metrics, logger, now, emit, where })

  const writeDisk = async (text: string, lineage: CacheLineage): Promise<void> => {
    await diskCache?.write(text, lineage).catch((e: unknown) => {
      logger.warn('disk cache could not be written', { path: diskCache.path, message: String(e) })
    })
  }

  const fetchAndIngest = async (signal: AbortSignal): Promise<RefreshOutcome> => {
    // An expired artifact must not be revalidated by a 304: fetch it in full and let ingest wipe.
    const held = state.heldExpired() ? undefined : state.held
    const result = await source.fetch({ signal, etag: held?.etag }).catch((e: unknown) => {
      metrics.fetch('error')
      throw e
    })
    if (!result.changed) {
      metrics.fetch('unchanged')
      if (held === undefined) {
        throw new AgentError(
          ErrorCode.SourceInvalidResponse,
          'source reported "unchanged" but nothing is held',
        )
      }
      state.revalidated(held.artifact, result.etag ?? held.etag)
      logger.debug('artifact unchanged', { revision: held.artifact.revision, source: where })
      return succeed(held.artifact.revision, false)
    }
    metrics.fetch('changed')
    const { artifact, changed } = await ingest(ctx, { text: result.body, etag: result.etag, signal })
    if (changed) {
      await writeDisk(result.body, { identity: artifact.identity, environment: artifact.environment })
      await opts.highWater.save()
      const { revision, identity, environment } = artifact
      logger.info('artifact loaded', { revision, source: where, identity, environment })
    }
    return succeed(artifact.revision, changed)
  }

  const loadDiskCache = async (signal: AbortSignal): Promise<void> => {
    const text = await diskCache?.read().catch((e: unknown) => {
      logger.warn('disk cache could not be read', { path: diskCache.path, message: String(e) })
      return undefined
    })
    if (diskCache === undefined || text === undefined) return
    try {
      const { artifact } = await ingest(ctx, { text, etag: undefined, signal })
      await opts.highWater.save()
      state.restored()
      const { revision, identity, environment } = artifact
      logger.warn('artifact loaded', {
        revision,
        source: `disk cache ${diskCache.path}`,
        identity,
        environment,
      })
      emit({ ok: true, revision, changed: true })
    } catch (e) {
      const error = toAgentError(e, ErrorCode.Internal)
      logger.warn('disk cache rejected', { code: error.code, message: error.message, path: diskCache.path })
    }
  }

  return {
    refresh: async (signal) => {
      let outcome: RefreshOutcome
      try {
        outcome = await fetchAndIngest(signal)
      } catch (e) {
        outcome = fail(e)
        if (state.phase === 'starting' && state.held === undefined) await loadDiskCache(signal)
      }
      state.attempted()
      return outcome
    },
    expireIfDue: () => {
      const held = state.held
      if (held === undefined || !state.heldExpired()) return
      const error = expiredError(expiresAtMs(held.artifact) ?? now())
      void wipe(error)
      report(error, 'artifact expired while served')
    },
  }
}
