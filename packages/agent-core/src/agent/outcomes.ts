// Records how a refresh ended in every place it shows: the state's transition (health, ready), metrics, the log and
// the onRefresh listeners, so each outcome is reported once and the same way.
import { ErrorCode, toAgentError, type AgentError, type Logger } from '@clef-sh/errors'
import type { AgentMetrics } from './metrics.ts'
import type { AgentState } from './state.ts'
import type { RefreshEvent } from './types.ts'

/** What one refresh did; `error` is set on failure (its `retryAfterMs`, if any, paces the retry). */
export interface RefreshOutcome {
  readonly event: RefreshEvent
  readonly error?: AgentError
}

// Transient failures carry no hint from the source: what helps there is knowing what the agent does.
const DEFAULT_HINTS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.SourceUnreachable]:
    'the source is down or unreachable: the agent retries with backoff and serves the last good secrets ' +
    'until the TTL runs out (plus CLEF_AGENT_STALE_IF_ERROR)',
  [ErrorCode.SourceRateLimited]:
    'the source is throttling requests: the agent backs off (honouring Retry-After) and serves the last ' +
    'good secrets meanwhile; poll less often or raise the quota',
}

const retryAfterOf = (error: AgentError): number | undefined =>
  'retryAfterMs' in error && typeof error.retryAfterMs === 'number' ? error.retryAfterMs : undefined

/** Options of {@link createOutcomes}. */
export interface OutcomesOptions {
  state: AgentState
  metrics: AgentMetrics
  logger: Logger
  now: () => number
  emit: (event: RefreshEvent) => void
  /** The source's `describe()`, for log lines. */
  where: string
}

/** The ways a refresh (or a serve-time check) can end. */
export interface Outcomes {
  /** The source confirmed `revision` (changed or not): renews freshness, clears the last error. */
  readonly succeed: (revision: string, changed: boolean) => RefreshOutcome
  /** A refresh failed: counted as a failed refresh, then reported. */
  readonly fail: (e: unknown) => RefreshOutcome
  /** A failure outside a refresh (expiry while serving): reported, not counted as a refresh. */
  readonly report: (error: AgentError, msg: string) => RefreshOutcome
}

/** Creates the {@link Outcomes} of one agent. */
export const createOutcomes = (opts: OutcomesOptions): Outcomes => {
  const { state, metrics, logger, now, emit, where } = opts
  const report = (error: AgentError, msg: string): RefreshOutcome => {
    const hint = error.hint ?? DEFAULT_HINTS[error.code]
    const record = {
      code: error.code,
      message: error.message,
      at: now(),
      transient: error.transient,
      hint,
      retryAfterMs: retryAfterOf(error),
    }
    state.failed(record)
    logger.warn(msg, {
      code: error.code,
      message: error.message,
      source: where,
      ...(hint === undefined ? {} : { hint }),
    })
    const event: RefreshEvent = { ok: false, code: error.code, message: error.message }
    emit(event)
    return { event, error }
  }
  return {
    succeed: (revision, changed) => {
      state.refreshed()
      metrics.refresh(undefined)
      const event: RefreshEvent = { ok: true, revision, changed }
      emit(event)
      return { event }
    },
    fail: (e) => {
      const error = toAgentError(e, ErrorCode.Internal)
      metrics.refresh(error.code)
      return report(error, 'refresh failed')
    },
    report,
  }
}
