// The OTLP/HTTP JSON encoding of log records (ExportLogsServiceRequest, opentelemetry-proto
// logs/v1): lowerCamelCase field names, 64-bit integers as decimal strings, enums as numbers.
import { SEVERITY, type TelemetryEvent } from './events.ts'

/** An AnyValue limited to the kinds the agent sends. */
export type OtlpAnyValue =
  { stringValue: string } | { boolValue: boolean } | { intValue: string } | { doubleValue: number }

/** A KeyValue attribute. */
export interface OtlpKeyValue {
  key: string
  value: OtlpAnyValue
}

/** A LogRecord. */
export interface OtlpLogRecord {
  timeUnixNano: string
  observedTimeUnixNano: string
  severityNumber: number
  severityText: string
  body: OtlpAnyValue
  attributes: OtlpKeyValue[]
}

/** The body of `POST /v1/logs`. */
export interface ExportLogsServiceRequest {
  resourceLogs: {
    resource: { attributes: OtlpKeyValue[] }
    scopeLogs: { scope: { name: string; version: string }; logRecords: OtlpLogRecord[] }[]
  }[]
}

/** Who sends: becomes the resource attributes of every request. */
export interface TelemetryResource {
  /** `service.instance.id`. */
  agentId: string
  /** `clef.identity`, once known from an artifact. */
  identity?: string | undefined
  /** `clef.environment`, once known from an artifact. */
  environment?: string | undefined
  /** The source kind (`file`, `http`, `s3`, `github`, …). */
  sourceType: string
  /** `service.version`. */
  version: string
}

/** An event waiting to be sent, with the epoch ms it happened at. */
export interface QueuedEvent {
  readonly event: TelemetryEvent
  readonly atMs: number
}

const toAnyValue = (value: string | number | boolean): OtlpAnyValue => {
  if (typeof value === 'string') return { stringValue: value }
  if (typeof value === 'boolean') return { boolValue: value }
  return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value }
}

const attributes = (entries: [string, string | number | boolean | undefined][]): OtlpKeyValue[] =>
  entries.flatMap(([key, value]) => (value === undefined ? [] : [{ key, value: toAnyValue(value) }]))

/**
 * Epoch ms (possibly fractional; µs precision) as the decimal nanoseconds string of `timeUnixNano`.
 * Throws RangeError for NaN or ±Infinity.
 */
export const toUnixNano = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString()

/**
 * One LogRecord: `event.name` = `clef.<name>`, and each field as `clef.<field>`; the body is
 * `<name>: <message>` when the event has a message. Throws RangeError for a non-finite `atMs`.
 */
export const toLogRecord = ({ event, atMs }: QueuedEvent): OtlpLogRecord => {
  const fields = Object.entries<string | boolean | undefined>(event.fields)
  const severity = SEVERITY[event.name]
  const message = 'message' in event.fields ? event.fields.message : undefined
  const time = toUnixNano(atMs)
  return {
    timeUnixNano: time,
    observedTimeUnixNano: time,
    severityNumber: severity.number,
    severityText: severity.text,
    body: { stringValue: message === undefined ? event.name : `${event.name}: ${message}` },
    attributes: attributes([
      ['event.name', `clef.${event.name}`],
      ...fields.map(([k, v]): [string, string | boolean | undefined] => [`clef.${k}`, v]),
    ]),
  }
}

/** The ExportLogsServiceRequest of `events`, all from `resource`. Throws like {@link toLogRecord}. */
export const buildExportRequest = (
  resource: TelemetryResource,
  events: readonly QueuedEvent[],
): ExportLogsServiceRequest => ({
  resourceLogs: [
    {
      resource: {
        attributes: attributes([
          ['service.name', 'clef-agent'],
          ['service.version', resource.version],
          ['service.instance.id', resource.agentId],
          ['clef.identity', resource.identity],
          ['clef.environment', resource.environment],
          ['clef.source.type', resource.sourceType],
        ]),
      },
      scopeLogs: [
        { scope: { name: 'clef-agent', version: resource.version }, logRecords: events.map(toLogRecord) },
      ],
    },
  ],
})
