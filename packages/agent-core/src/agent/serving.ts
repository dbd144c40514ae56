// What the agent hands a server (the HTTP API, or an embedder's own): the current snapshot, the
// state, a refresh and the metrics. Values and state only: bodies are the server's business
// (@clef-sh/http-api's createAgentReader), so the agent never pulls in the HTTP layer.
import type { SecretsSnapshot } from '@clef-sh/artifact-format'
import type { ErrorCode } from '@clef-sh/errors'
import type { AgentMetrics } from './metrics.ts'
import type { AgentStateView } from './state.ts'

/** Whether secrets can be served now; `reason` is the stable code of why not. */
export type ReadyState = { ready: true } | { ready: false; reason: ErrorCode }

/** The failure since the last success, as health reports it. Never holds a secret. */
export interface AgentFailure {
  readonly code: ErrorCode
  readonly message: string
  /** Epoch ms. */
  readonly at: number
  /** What an operator can do about it, when known. */
  readonly hint?: string | undefined
}

/** The agent's state at one instant, for health reports. */
export interface AgentStatus {
  /** `idle` → `starting` (first load attempt running) → `running` → `stopped`. */
  readonly phase: 'idle' | 'starting' | 'running' | 'stopped'
  readonly mode: 'cached' | 'jit'
  /** The revision held, or null. */
  readonly revision: string | null
  /** Epoch ms of the last successful refresh (or disk-cache load); kept across a wipe. */
  readonly lastRefreshAt: number | undefined
  readonly lastError: AgentFailure | undefined
  /** True when the TTL ran out (even within stale-if-error) or the artifact expired. */
  readonly expired: boolean
  readonly ready: ReadyState
}

/**
 * What a server needs to serve an agent (`@clef-sh/http-api`'s `createAgentReader` turns it into
 * response bodies): the current snapshot, the state, a refresh and the metrics. An embedding
 * program that only reads secrets never needs it.
 */
export interface AgentServing {
  /**
   * The secrets to serve now: synchronously when fresh in cached mode (the same object until the
   * next swap, so a server can key what it derives on it), a fresh decrypt in JIT mode. Waits for
   * the first load attempt while it runs, and at most 1 s for a refresh after the TTL ran out.
   * Throws (or rejects) AgentError `not_loaded`, `cache_expired`, `revoked`, `expired`,
   * `kms_unwrap`, `decrypt`, … when secrets cannot be served.
   */
  snapshot(): SecretsSnapshot | Promise<SecretsSnapshot>
  /** The state now; reading it may notice an expiry and fire `error`. */
  status(): AgentStatus
  /** Whether secrets can be served now (cheaper than `status()`). */
  ready(): ReadyState
  /**
   * The first load attempt while it runs: settles (never rejects) once it ended; undefined before
   * `start()` and after. A readiness check may wait on it briefly instead of answering `not_loaded`.
   */
  firstLoad(): Promise<void> | undefined
  /**
   * Fetches now, coalesced with a refresh in flight; resolves the revision then held. Rejects with
   * the failed refresh's AgentError, or `not_loaded` when the agent is not running.
   */
  refresh(): Promise<{ revision: string | null }>
  /** The Prometheus text exposition of the agent's metrics. */
  metrics(): string
  /** Counts one API answer for {@link AgentServing.metrics}. Cheap and never throws (it runs on the hot path). */
  readonly recordRequest: (route: string, status: number) => void
}

/** Options of {@link createAgentServing}: the agent's state and its serving decisions. */
export interface AgentServingOptions {
  state: AgentStateView
  mode: 'cached' | 'jit'
  snapshot: () => SecretsSnapshot | Promise<SecretsSnapshot>
  ready: () => ReadyState
  firstLoad: () => Promise<void> | undefined
  /** True when the TTL ran out (even within stale-if-error) or the artifact expired. */
  expired: () => boolean
  refresh: () => Promise<{ revision: string | null }>
  metrics: AgentMetrics
}

/** Creates the {@link AgentServing} of one agent. */
export const createAgentServing = (opts: AgentServingOptions): AgentServing => {
  const { state, metrics } = opts
  return {
    snapshot: opts.snapshot,
    status: () => {
      // Ready first: it may notice an expiry, which the other fields then show.
      const ready = opts.ready()
      const last = state.lastError
      return {
        phase: state.phase,
        mode: opts.mode,
        revision: state.held?.artifact.revision ?? null,
        lastRefreshAt: state.lastSuccessAt,
        lastError:
          last === undefined
            ? undefined
            : { code: last.code, message: last.message, at: last.at, hint: last.hint },
        expired: opts.expired(),
        ready,
      }
    },
    ready: opts.ready,
    firstLoad: opts.firstLoad,
    refresh: opts.refresh,
    metrics: () =>
      metrics.render({
        revision: state.held?.artifact.revision ?? null,
        lastRefreshAt: state.lastSuccessAt,
        ready: opts.ready().ready,
      }),
    recordRequest: metrics.request,
  }
}
