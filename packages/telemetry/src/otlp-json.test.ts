import { describe, expect, it } from 'vitest'
import { checkExportLogsRequest } from '@clef-sh/testing'
import type { TelemetryEvent } from './events.ts'
import { buildExportRequest, toLogRecord, toUnixNano } from './otlp-json.ts'

const RESOURCE = {
  agentId: 'agent-1',
  identity: 'api',
  environment: 'prod',
  sourceType: 'http',
  version: '1.2.3',
}
const EVENTS: TelemetryEvent[] = [
  { name: 'agent.started', fields: { mode: 'cached', source: 'http:https://example.com/a.json' } },
  {
    name: 'artifact.refreshed',
    fields: { revision: 'r1', identity: 'api', environment: undefined, initial: true },
  },
  { name: 'artifact.invalid', fields: { reason: 'integrity', message: 'hash mismatch' } },
  { name: 'fetch.failed', fields: { code: 'source_unreachable', message: 'down', transient: true } },
  { name: 'artifact.revoked', fields: { code: 'revoked', message: 'revoked at x' } },
  { name: 'artifact.expired', fields: { code: 'expired', message: 'expired at y' } },
  { name: 'cache.expired', fields: { code: 'cache_expired', message: 'stale' } },
  { name: 'agent.stopped', fields: { reason: 'SIGTERM' } },
]

describe('buildExportRequest', () => {
  it('conforms to the OTLP logs JSON structure', () => {
    const request = buildExportRequest(
      RESOURCE,
      EVENTS.map((event, i) => ({ event, atMs: 1_700_000_000_000 + i })),
    )
    expect(checkExportLogsRequest(request)).toEqual([])
    expect(request.resourceLogs[0]?.scopeLogs[0]?.logRecords).toHaveLength(EVENTS.length)
  })

  it('carries the resource attributes, leaving out what is unknown', () => {
    const [rl] = buildExportRequest({ agentId: 'a', sourceType: 'file', version: '0.1.0' }, []).resourceLogs
    expect(rl?.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'clef-agent' } },
      { key: 'service.version', value: { stringValue: '0.1.0' } },
      { key: 'service.instance.id', value: { stringValue: 'a' } },
      { key: 'clef.source.type', value: { stringValue: 'file' } },
    ])
  })
})

describe('toLogRecord', () => {
  it('names the event, maps fields to clef.* attributes and sets the severity', () => {
    const record = toLogRecord({ event: EVENTS[1] as TelemetryEvent, atMs: 1_700_000_000_123 })
    expect(record).toEqual({
      timeUnixNano: '1700000000123000000',
      observedTimeUnixNano: '1700000000123000000',
      severityNumber: 9,
      severityText: 'INFO',
      body: { stringValue: 'artifact.refreshed' },
      attributes: [
        { key: 'event.name', value: { stringValue: 'clef.artifact.refreshed' } },
        { key: 'clef.revision', value: { stringValue: 'r1' } },
        { key: 'clef.identity', value: { stringValue: 'api' } },
        { key: 'clef.initial', value: { boolValue: true } },
      ],
    })
  })

  it('puts the message in the body of failures, with their severity', () => {
    const invalid = toLogRecord({ event: EVENTS[2] as TelemetryEvent, atMs: 0 })
    expect(invalid).toMatchObject({
      severityNumber: 17,
      severityText: 'ERROR',
      body: { stringValue: 'artifact.invalid: hash mismatch' },
    })
    expect(invalid.attributes).toContainEqual({ key: 'clef.reason', value: { stringValue: 'integrity' } })
    expect(toLogRecord({ event: EVENTS[3] as TelemetryEvent, atMs: 0 }).severityText).toBe('WARN')
  })

  it('keeps sub-millisecond time exactly in nanoseconds', () => {
    expect(toUnixNano(1_700_000_000_000.5)).toBe('1700000000000500000')
    expect(toUnixNano(0)).toBe('0')
  })
})
