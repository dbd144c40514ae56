// Prometheus counters of the agent. Labels carry outcomes, error codes and the revision only;
// never a secret name or value (the endpoint is unauthenticated).

/** What a fetch from the source turned out to be. */
export type FetchOutcome = 'changed' | 'unchanged' | 'error'

/** Facts that are read at scrape time rather than counted. */
export interface MetricsGauges {
  revision: string | null
  /** Epoch ms of the last successful refresh. */
  lastRefreshAt: number | undefined
  ready: boolean
}

/** The agent's counters and their text exposition. */
export interface AgentMetrics {
  /** Counts a refresh: `code` is undefined on success. */
  refresh(code: string | undefined): void
  fetch(outcome: FetchOutcome): void
  render(gauges: MetricsGauges): string
}

// Label values come from artifacts (the revision); escape per the exposition format.
const escape = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

const family = (name: string, type: string, help: string, samples: string[]): string =>
  [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples].join('\n')

const counterSamples = (name: string, counts: Map<string, number>): string[] =>
  [...counts].map(([labels, n]) => `${name}{${labels}} ${n}`)

const bump = (counts: Map<string, number>, labels: string): void => {
  counts.set(labels, (counts.get(labels) ?? 0) + 1)
}

/** Creates the counters, all at zero. */
export const createAgentMetrics = (): AgentMetrics => {
  const refreshes = new Map<string, number>()
  const fetches = new Map<string, number>([
    ['outcome="changed"', 0],
    ['outcome="unchanged"', 0],
    ['outcome="error"', 0],
  ])
  return {
    refresh: (code) => {
      bump(
        refreshes,
        code === undefined ? 'outcome="success",code="none"' : `outcome="failure",code="${escape(code)}"`,
      )
    },
    fetch: (outcome) => bump(fetches, `outcome="${outcome}"`),
    render: ({ revision, lastRefreshAt, ready }) =>
      [
        family(
          'clef_agent_refresh_total',
          'counter',
          'Refresh attempts by outcome and error code.',
          counterSamples('clef_agent_refresh_total', refreshes),
        ),
        family(
          'clef_agent_source_fetch_total',
          'counter',
          'Fetches from the artifact source by outcome.',
          counterSamples('clef_agent_source_fetch_total', fetches),
        ),
        family(
          'clef_agent_last_refresh_timestamp_seconds',
          'gauge',
          'Unix time of the last successful refresh (0 before the first).',
          [
            `clef_agent_last_refresh_timestamp_seconds ${lastRefreshAt === undefined ? 0 : lastRefreshAt / 1000}`,
          ],
        ),
        family(
          'clef_agent_revision_info',
          'gauge',
          'The revision being served.',
          revision === null ? [] : [`clef_agent_revision_info{revision="${escape(revision)}"} 1`],
        ),
        family('clef_agent_ready', 'gauge', '1 when secrets can be served.', [
          `clef_agent_ready ${ready ? 1 : 0}`,
        ]),
      ].join('\n') + '\n',
  }
}
