// Prometheus metrics of the agent. Labels carry outcomes, error codes, API routes, statuses and
// the revision only; never a secret name or value (the endpoint is unauthenticated).
import type { TelemetryStats } from '@clef-sh/telemetry'
import { createHistogram, escapeLabel, family, formatNumber } from './prom-text.ts'

/** What a fetch from the source turned out to be: `changed` is HTTP 200, `unchanged` 304. */
export type FetchOutcome = 'changed' | 'unchanged' | 'error'

/** Facts that are read at scrape time rather than counted. */
export interface MetricsGauges {
  revision: string | null
  /** Epoch ms of the last successful refresh. */
  lastRefreshAt: number | undefined
  ready: boolean
}

/** Options of {@link createAgentMetrics}. */
export interface AgentMetricsOptions {
  /** Clock in epoch ms, for the age of the last refresh. Default `Date.now`. */
  now?: () => number
  /** The exporter's counters, when telemetry is configured. */
  telemetry?: () => Readonly<TelemetryStats> | undefined
}

/** The agent's counters and their text exposition. */
export interface AgentMetrics {
  /** Counts a refresh: `code` is undefined on success. */
  refresh(code: string | undefined): void
  fetch(outcome: FetchOutcome): void
  /** Counts one API answer. O(1), no allocation for a route and status seen before: it is on the hot path. */
  readonly request: (route: string, status: number) => void
  /** Records one decrypt's duration in seconds. */
  readonly decrypt: (seconds: number) => void
  /** Notes that the stored rollback marks were unreadable or malformed at start. */
  marksCorrupt(): void
  render(gauges: MetricsGauges): string
}

// Decrypts range from ~1 ms (small age payloads) to seconds (a slow KMS).
const DECRYPT_BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const bump = <K>(counts: Map<K, number>, key: K): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1)
}

const counterSamples = (name: string, counts: Map<string, number>): string[] =>
  [...counts].map(([labels, n]) => `${name}{${labels}} ${n}`)

const requestSamples = (requests: Map<string, Map<number, number>>): string[] =>
  [...requests].flatMap(([route, byStatus]) =>
    [...byStatus].map(
      ([status, n]) =>
        `clef_agent_http_requests_total{route="${escapeLabel(route)}",status="${status}"} ${n}`,
    ),
  )

const gauge = (name: string, help: string, value: number | undefined): string =>
  family(name, { type: 'gauge', help }, value === undefined ? [] : [`${name} ${formatNumber(value)}`])

const counter = (name: string, help: string, value: number): string =>
  family(name, { type: 'counter', help }, [`${name} ${value}`])

/** Creates the metrics, every counter at zero. */
export const createAgentMetrics = (opts: AgentMetricsOptions = {}): AgentMetrics => {
  const now = opts.now ?? Date.now
  const refreshes = new Map<string, number>()
  const fetches = new Map<string, number>([
    ['outcome="changed"', 0],
    ['outcome="unchanged"', 0],
    ['outcome="error"', 0],
  ])
  // route → status → count: two lookups and no string building per request.
  const requests = new Map<string, Map<number, number>>()
  const decrypts = createHistogram(DECRYPT_BOUNDS)
  let marksCorrupt = 0

  const render = ({ revision, lastRefreshAt, ready }: MetricsGauges): string => {
    const telemetry = opts.telemetry?.() ?? { sent: 0, dropped: 0, failed: 0 }
    return (
      [
        family(
          'clef_agent_refresh_total',
          { type: 'counter', help: 'Refresh attempts by outcome and error code.' },
          counterSamples('clef_agent_refresh_total', refreshes),
        ),
        family(
          'clef_agent_source_fetch_total',
          {
            type: 'counter',
            help: 'Fetches from the artifact source by outcome: changed (200), unchanged (304) or error.',
          },
          counterSamples('clef_agent_source_fetch_total', fetches),
        ),
        family(
          'clef_agent_http_requests_total',
          { type: 'counter', help: 'API answers by route and HTTP status.' },
          requestSamples(requests),
        ),
        family(
          'clef_agent_decrypt_duration_seconds',
          { type: 'histogram', help: 'Time to decrypt an artifact (age, or KMS unwrap plus AES-GCM).' },
          decrypts.samples('clef_agent_decrypt_duration_seconds'),
        ),
        gauge(
          'clef_agent_last_refresh_timestamp_seconds',
          'Unix time of the last successful refresh (0 before the first).',
          lastRefreshAt === undefined ? 0 : lastRefreshAt / 1000,
        ),
        gauge(
          'clef_agent_last_refresh_age_seconds',
          'Seconds since the last successful refresh; absent before the first.',
          lastRefreshAt === undefined ? undefined : Math.max(0, now() - lastRefreshAt) / 1000,
        ),
        family(
          'clef_agent_revision_info',
          { type: 'gauge', help: 'The revision being served.' },
          revision === null ? [] : [`clef_agent_revision_info{revision="${escapeLabel(revision)}"} 1`],
        ),
        gauge('clef_agent_ready', '1 when secrets can be served.', ready ? 1 : 0),
        counter(
          'clef_agent_telemetry_sent_total',
          'Telemetry events accepted by the collector.',
          telemetry.sent,
        ),
        counter(
          'clef_agent_telemetry_dropped_total',
          'Telemetry events dropped: buffer full, refused, or given up after retries.',
          telemetry.dropped,
        ),
        counter(
          'clef_agent_telemetry_export_failures_total',
          'Failed telemetry export requests.',
          telemetry.failed,
        ),
        gauge(
          'clef_agent_rollback_marks_corrupt',
          '1 when the stored rollback marks could not be read at start (protection started over).',
          marksCorrupt,
        ),
      ].join('\n') + '\n'
    )
  }

  return {
    refresh: (code) => {
      bump(
        refreshes,
        code === undefined
          ? 'outcome="success",code="none"'
          : `outcome="failure",code="${escapeLabel(code)}"`,
      )
    },
    fetch: (outcome) => {
      bump(fetches, `outcome="${outcome}"`)
    },
    request: (route, status) => {
      let byStatus = requests.get(route)
      if (byStatus === undefined) requests.set(route, (byStatus = new Map<number, number>()))
      bump(byStatus, status)
    },
    decrypt: (seconds) => {
      decrypts.observe(seconds)
    },
    marksCorrupt: () => {
      marksCorrupt = 1
    },
    render,
  }
}
