// The AgentReader the HTTP API serves from: health, readiness, secrets, refresh and metrics, all
// read from the agent's state. Nothing here returns a secret except `secrets()`.
import { AgentError, ErrorCode } from '@clef-sh/errors'
import type { AgentReader, HealthState } from '@clef-sh/http-api'
import type { AgentMetrics } from './metrics.ts'
import type { SecretsProvider } from './provider.ts'
import type { RefreshLoop } from './refresh-loop.ts'
import type { ServeGate } from './serve-gate.ts'
import { isLoaded, type AgentState } from './state.ts'

/** Options of {@link createAgentReader}. */
export interface AgentReaderOptions {
  state: AgentState
  provider: SecretsProvider
  gate: ServeGate
  loop: RefreshLoop
  metrics: AgentMetrics
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString())

/** Creates the {@link AgentReader} of one agent. */
export const createAgentReader = ({
  state,
  provider,
  gate,
  loop,
  metrics,
}: AgentReaderOptions): AgentReader => {
  const healthState = (ready: boolean): HealthState => {
    if (state.phase === 'idle' || state.phase === 'starting') return 'starting'
    if (!ready) return 'unavailable'
    return state.lastError === undefined ? 'ok' : 'degraded'
  }

  return {
    health: () => {
      const ready = gate.ready().ready
      const last = state.lastError
      return {
        // Clef's clients read `status` and epoch-ms `lastRefreshAt`; the finer state is added.
        status: 'ok',
        state: healthState(ready),
        mode: provider.mode,
        revision: state.held?.artifact.revision ?? null,
        lastRefreshAt: state.lastSuccessAt ?? null,
        lastRefreshTime: iso(state.lastSuccessAt),
        expired: gate.expired(),
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
    ready: () => gate.ready(),
    secrets: () => {
      const snapshot = gate.snapshot()
      return 'then' in snapshot ? snapshot.then((s) => s.served) : snapshot.served
    },
    refresh: async () => {
      if (!isLoaded(state) && state.phase !== 'starting') {
        throw new AgentError(ErrorCode.NotLoaded, 'the agent is not running')
      }
      const { event, error } = await loop.refresh()
      if (event.ok) return { revision: event.revision }
      throw error ?? new AgentError(event.code, event.message)
    },
    metrics: () =>
      metrics.render({
        revision: state.held?.artifact.revision ?? null,
        lastRefreshAt: state.lastSuccessAt,
        ready: gate.ready().ready,
      }),
  }
}
