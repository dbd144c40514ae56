import { describe, expect, it } from 'vitest'
import { parsePrometheusText } from '@clef-sh/testing'
import { createAgentMetrics } from './metrics.ts'

const GAUGES = { revision: null, lastRefreshAt: undefined, ready: false }

describe('createAgentMetrics', () => {
  it('renders every family at zero as valid exposition', () => {
    const m = parsePrometheusText(createAgentMetrics().render(GAUGES))
    expect([...m.families.keys()]).toEqual([
      'clef_agent_refresh_total',
      'clef_agent_source_fetch_total',
      'clef_agent_http_requests_total',
      'clef_agent_decrypt_duration_seconds',
      'clef_agent_last_refresh_timestamp_seconds',
      'clef_agent_last_refresh_age_seconds',
      'clef_agent_revision_info',
      'clef_agent_ready',
      'clef_agent_telemetry_sent_total',
      'clef_agent_telemetry_dropped_total',
      'clef_agent_telemetry_export_failures_total',
      'clef_agent_rollback_marks_corrupt',
    ])
    expect(m.value('clef_agent_rollback_marks_corrupt')).toBe(0)
    expect(m.value('clef_agent_source_fetch_total', { outcome: 'unchanged' })).toBe(0)
    expect(m.value('clef_agent_decrypt_duration_seconds_count')).toBe(0)
    expect(m.value('clef_agent_last_refresh_age_seconds')).toBeUndefined()
    expect(m.value('clef_agent_telemetry_dropped_total')).toBe(0)
  })

  it('counts refreshes, fetches and requests by their labels', () => {
    const metrics = createAgentMetrics()
    metrics.refresh(undefined)
    metrics.refresh('integrity')
    metrics.refresh('integrity')
    metrics.fetch('changed')
    metrics.fetch('error')
    for (let i = 0; i < 3; i++) metrics.request('secrets', 200)
    metrics.request('secrets', 401)
    metrics.request('unmatched', 404)
    const m = parsePrometheusText(metrics.render(GAUGES))
    expect(m.value('clef_agent_refresh_total', { outcome: 'success', code: 'none' })).toBe(1)
    expect(m.value('clef_agent_refresh_total', { outcome: 'failure', code: 'integrity' })).toBe(2)
    expect(m.value('clef_agent_source_fetch_total', { outcome: 'changed' })).toBe(1)
    expect(m.value('clef_agent_source_fetch_total', { outcome: 'error' })).toBe(1)
    expect(m.value('clef_agent_http_requests_total', { route: 'secrets', status: '200' })).toBe(3)
    expect(m.value('clef_agent_http_requests_total', { route: 'secrets', status: '401' })).toBe(1)
    expect(m.value('clef_agent_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1)
  })

  it('keeps a cumulative decrypt histogram', () => {
    const metrics = createAgentMetrics()
    for (const s of [0.0005, 0.003, 0.003, 0.2, 42]) metrics.decrypt(s)
    const m = parsePrometheusText(metrics.render(GAUGES))
    const bucket = (le: string) => m.value('clef_agent_decrypt_duration_seconds_bucket', { le })
    expect([bucket('0.001'), bucket('0.005'), bucket('0.25'), bucket('10'), bucket('+Inf')]).toEqual([
      1, 3, 4, 4, 5,
    ])
    expect(m.value('clef_agent_decrypt_duration_seconds_count')).toBe(5)
    expect(m.value('clef_agent_decrypt_duration_seconds_sum')).toBeCloseTo(42.2065)
  })

  it('reads the gauges and the telemetry counters at scrape time', () => {
    let now = 1_700_000_100_000
    const stats = { sent: 4, dropped: 2, failed: 1 }
    const metrics = createAgentMetrics({ now: () => now, telemetry: () => stats })
    const render = () =>
      parsePrometheusText(
        metrics.render({ revision: 'r"1\\\n', lastRefreshAt: 1_700_000_000_000, ready: true }),
      )
    let m = render()
    expect(m.value('clef_agent_last_refresh_timestamp_seconds')).toBe(1_700_000_000)
    expect(m.value('clef_agent_last_refresh_age_seconds')).toBe(100)
    expect(m.value('clef_agent_revision_info', { revision: 'r"1\\\n' })).toBe(1)
    expect(m.value('clef_agent_ready')).toBe(1)
    expect(m.value('clef_agent_telemetry_sent_total')).toBe(4)
    expect(m.value('clef_agent_telemetry_dropped_total')).toBe(2)
    expect(m.value('clef_agent_telemetry_export_failures_total')).toBe(1)
    now += 2500
    stats.dropped = 7
    m = render()
    expect(m.value('clef_agent_last_refresh_age_seconds')).toBe(102.5)
    expect(m.value('clef_agent_telemetry_dropped_total')).toBe(7)
  })
})
