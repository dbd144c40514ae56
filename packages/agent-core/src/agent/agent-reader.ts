// The AgentReader the HTTP API serves from: health, readiness, secrets, refresh and metrics, all
// read from the agent's state. Nothing here returns a secret except `secrets()`.
import type { AgentReader, HealthState, ReadyStatus } from '@clef-sh/http-api'
import type { AgentMetrics } from './metrics.ts'
import type { Snapshot } from './provider.ts'
import type { AgentStateView } from './state.ts'

/** Options of {@link createAgentReader}: the agent's state and its serving decisions. */
export interface AgentReaderOptions {
  state: AgentStateView
  mode: 'cached' | 'jit'
  snapshot: () => Snapshot | Promise<Snapshot>
  ready: () => ReadyStatus
  /** True when the TTL ran out (even within stale-if-error) or the artifact expired. */
  expired: () => boolean
  refresh: () => Promise<{ revision: string | null }>
  metrics: AgentMetrics
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString())

/** Creates the {@link AgentReader} of one agent. */
export const createAgentReader = (opts: AgentReaderOptions): AgentReader => {
  const { state, metrics } = opts
  const healthState = (ready: boolean): HealthState => {
    if (state.phase === 'idle' || state.phase === 'starting') return 'starting'
    if (!ready) return 'unavailable'
    return state.lastError === undefined ? 'ok' : 'degraded'
  }

  return {
    health: () => {
      const ready = opts.ready().ready
      const last = state.lastError
      return {
        // Clef's clients read `status` and epoch-ms `lastRefreshAt`; the finer state is added.
        status: 'ok',
        state: healthState(ready),
        mode: opts.mode,
        revision: state.held?.artifact.revision ?? null,
        lastRefreshAt: state.lastSuccessAt ?? null,
        lastRefreshTime: iso(state.lastSuccessAt),
        expired: opts.expired(),
        lastError:
          last === undefined
            ? null
            : {
                code: last.code,
                message: last.message,
                at: iso(last.at) ?? '',
                ...(last.hint === undefined ? {} : { hint: last.hint }),
              },
      }
    },
    ready: opts.ready,
    secrets: () => {
      const snapshot = opts.snapshot()
      return 'then' in snapshot ? snapshot.then((s) => s.served) : snapshot.served
    },
    refresh: opts.refresh,
    metrics: () =>
      metrics.render({
        revision: state.held?.artifact.revision ?? null,
        lastRefreshAt: state.lastSuccessAt,
        ready: opts.ready().ready,
      }),
  }
}
