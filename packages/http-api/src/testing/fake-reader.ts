// An AgentReader whose answers a test sets directly, so the API can be driven through every
// state (loading, failing, sync or async secrets) without an agent behind it.
import type { AgentReader, HealthStatus, ReadyStatus, ServedSecrets } from '../reader.ts'
import { createServedSecrets } from '../served-secrets.ts'

/** What the fake answers. Errors are thrown (or rejected, when `async`). */
export interface FakeReaderState {
  secrets: ServedSecrets
  /** `secrets()` returns a promise instead of the value (JIT mode). */
  async: boolean
  secretsError: unknown
  health: HealthStatus | Error
  ready: ReadyStatus
  refresh: { revision: string | null } | Error
  metrics: string
}

/** A reader plus the means to change its answers and to count `secrets()` calls. */
export interface FakeReader {
  readonly reader: AgentReader
  /** Resets to the defaults, then applies `patch`. */
  reset(patch?: Partial<FakeReaderState>): void
  readonly calls: { secrets: number }
}

/** The default secrets: a bare key `SHARED` in two namespaces, odd names, non-ASCII values. */
export const SAMPLE_VALUES: Record<string, Record<string, string>> = {
  app: { DB_URL: 'postgres://db.internal/app', API_KEY: 'k-123', SHARED: 'from-app' },
  web: { 'svc.v2-x': 'dotted', clé: 'välue ✓', 'a/b': 'slashed', 'my key': 'spaced', SHARED: 'from-web' },
}

/** The health the fake reports by default (what `GET /v1/health` must then answer, as is). */
export const SAMPLE_HEALTH: HealthStatus = {
  status: 'ok',
  state: 'ok',
  mode: 'cached',
  revision: '1-aaaaaaaa',
  lastRefreshAt: 1_704_067_200_000,
  lastRefreshTime: '2024-01-01T00:00:00.000Z',
  expired: false,
  lastError: null,
}

const defaults = (): FakeReaderState => ({
  secrets: createServedSecrets('1-aaaaaaaa', SAMPLE_VALUES),
  async: false,
  secretsError: undefined,
  health: SAMPLE_HEALTH,
  ready: { ready: true },
  refresh: { revision: '2-bbbbbbbb' },
  metrics: '# TYPE clef_agent_up gauge\nclef_agent_up 1\n',
})

const answer = <T>(value: T | Error): T => {
  if (value instanceof Error) throw value
  return value
}

/** Creates a fake reader in its default state (ready, synchronous secrets of SAMPLE_VALUES). */
export const createFakeReader = (): FakeReader => {
  let state = defaults()
  const calls = { secrets: 0 }
  const secrets = (): ServedSecrets => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a reader may throw anything
    if (state.secretsError !== undefined) throw state.secretsError
    return state.secrets
  }
  const reader: AgentReader = {
    health: () => answer(state.health),
    ready: () => state.ready,
    secrets: () => {
      calls.secrets++
      return state.async ? Promise.resolve().then(secrets) : secrets()
    },
    refresh: () => Promise.resolve().then(() => answer(state.refresh)),
    metrics: () => state.metrics,
  }
  return { reader, calls, reset: (patch = {}) => void (state = { ...defaults(), ...patch }) }
}
