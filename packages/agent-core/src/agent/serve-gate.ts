// Decides, per request, whether the held secrets may be served: expiry, TTL, stale-if-error for
// transient failures, and one coalesced refresh when the TTL ran out (docs/SPEC.md §6). Mode-agnostic.
import type { SecretsSnapshot } from '@clef-sh/artifact-format'
import { AgentError, ErrorCode, isAgentError } from '@clef-sh/errors'
import type { SecretsProvider } from './provider.ts'
import type { RefreshOutcome } from './outcomes.ts'
import type { Pipeline } from './refresh-pipeline.ts'
import { MIN_INTERVAL_MS } from './schedule.ts'
import type { ReadyState } from './serving.ts'
import { isLoaded, type AgentState } from './state.ts'

/** Options of {@link createServeGate}. */
export interface ServeGateOptions {
  provider: SecretsProvider
  state: AgentState
  pipeline: Pipeline
  now: () => number
  ttlMs: number
  staleIfErrorMs: number
  /** The loop's coalesced refresh, and whether one is running. */
  refresh: () => Promise<RefreshOutcome>
  refreshing: () => boolean
  /** Called once each time the TTL runs out (per last successful refresh), with `cache_expired`. */
  onCacheExpired: (error: AgentError) => void
}

/**
 * How long a request that finds the TTL run out waits for the refresh in flight before it answers
 * `cache_expired` (SPEC §6): a source that accepts and never answers must not hold requests for
 * the whole fetch timeout.
 */
export const EXPIRED_WAIT_MS = 1000

/** Resolves when `work` settles or `ms` passed, whichever is first; rejects only with `work`'s error. */
const within = (work: Promise<unknown>, ms: number): Promise<unknown> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
    // A waiting request must not keep a stopping process alive.
    timer.unref()
  })
  return Promise.race([work, elapsed]).finally(() => {
    clearTimeout(timer)
  })
}

/** The serving decisions. */
export interface ServeGate {
  /**
   * The secrets to serve, synchronously when fresh in cached mode. Waits at most
   * {@link EXPIRED_WAIT_MS} for a refresh after the TTL ran out. Throws (or rejects) AgentError
   * otherwise.
   */
  snapshot(): SecretsSnapshot | Promise<SecretsSnapshot>
  ready(): ReadyState
  /** True when the TTL ran out (even within stale-if-error) or the artifact expired. */
  expired(): boolean
}

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> =>
  typeof (v as { then?: unknown }).then === 'function'

/** Creates the {@link ServeGate}. */
export const createServeGate = (opts: ServeGateOptions): ServeGate => {
  const { provider, state, pipeline, now } = opts

  // Stale-if-error covers an outage only while every failure since the last success was transient.
  const inGraceWindow = (): boolean => opts.staleIfErrorMs > 0 && !provider.isStale(opts.staleIfErrorMs)
  const withinGrace = (): boolean =>
    state.lastError?.transient === true && state.failClosed === undefined && inGraceWindow()
  const cacheExpired = (): AgentError =>
    new AgentError(ErrorCode.CacheExpired, `no successful refresh in the last ${opts.ttlMs / 1000} s`)
  let reportedFor: number | undefined | null = null
  const servable = (): boolean => {
    const ok = provider.loaded() && (!provider.isStale() || withinGrace())
    if (!ok && provider.loaded() && isLoaded(state) && reportedFor !== state.lastSuccessAt) {
      reportedFor = state.lastSuccessAt
      opts.onCacheExpired(cacheExpired())
    }
    return ok
  }

  const notServable = (): AgentError => {
    if (!isLoaded(state)) return new AgentError(ErrorCode.NotLoaded, 'secrets are not loaded yet')
    // Within stale-if-error, only a permanent failure keeps the secrets from being served: name it.
    const closed = state.failClosed
    if (provider.loaded() && closed !== undefined && inGraceWindow()) {
      return new AgentError(
        closed.code,
        closed.message,
        closed.hint === undefined ? {} : { hint: closed.hint },
      )
    }
    if (provider.loaded()) return cacheExpired()
    const last = state.lastError
    return last === undefined
      ? new AgentError(ErrorCode.NotLoaded, 'no secrets are loaded')
      : new AgentError(last.code, last.message, { transient: last.transient })
  }

  const serve = (): SecretsSnapshot | Promise<SecretsSnapshot> => {
    const snapshot = provider.snapshot()
    if (!isPromise(snapshot)) return snapshot
    // JIT: a failed decrypt (KMS said no) shows in health like a failed refresh.
    return snapshot.catch((e: unknown) => {
      if (isAgentError(e))
        state.decryptFailed({ code: e.code, message: e.message, at: now(), transient: e.transient })
      throw e
    })
  }

  const afterTtl = async (): Promise<SecretsSnapshot> => {
    const last = state.lastAttemptAt ?? Number.NEGATIVE_INFINITY
    // One coalesced refresh, but not one per request while the source stays down, nor before the
    // source's Retry-After (or rate-limit reset) has passed.
    const wait = Math.max(MIN_INTERVAL_MS, state.lastError?.retryAfterMs ?? 0)
    if (opts.refreshing() || now() - last >= wait) await within(opts.refresh(), EXPIRED_WAIT_MS)
    pipeline.expireIfDue()
    if (!servable()) throw notServable()
    return serve()
  }

  const current = (): SecretsSnapshot | Promise<SecretsSnapshot> => {
    if (state.phase === 'stopped') throw new AgentError(ErrorCode.NotLoaded, 'the agent is stopped')
    pipeline.expireIfDue()
    if (provider.loaded() && !provider.isStale()) return serve()
    if (!provider.loaded() || !isLoaded(state)) throw notServable()
    return afterTtl()
  }

  return {
    snapshot: current,
    ready: () => {
      pipeline.expireIfDue()
      if (!isLoaded(state)) return { ready: false, reason: ErrorCode.NotLoaded }
      return servable() ? { ready: true } : { ready: false, reason: notServable().code }
    },
    expired: () => (provider.loaded() && provider.isStale()) || state.lastError?.code === ErrorCode.Expired,
  }
}
