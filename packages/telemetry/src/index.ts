/**
 * An OTLP/HTTP JSON logs exporter for the agent's events: bounded, batched, retried, never on the
 * request path, never carrying a secret.
 *
 * @packageDocumentation
 * @module @clef-sh/telemetry
 */
export { createTelemetry } from './create-telemetry.ts'
export type { Telemetry, TelemetryOptions, TelemetryStats } from './create-telemetry.ts'
export { SEVERITY } from './events.ts'
export type { Severity, TelemetryEvent, TelemetryEventFields, TelemetryEventName } from './events.ts'
export { buildExportRequest, toLogRecord, toUnixNano } from './otlp-json.ts'
export type {
  ExportLogsServiceRequest,
  OtlpAnyValue,
  OtlpKeyValue,
  OtlpLogRecord,
  QueuedEvent,
  TelemetryResource,
} from './otlp-json.ts'
export { parseHeaderList, telemetryAuthHeaders } from './auth-headers.ts'
export type { ParsedHeaders } from './auth-headers.ts'
export { resolveLogsEndpoint } from './endpoint.ts'
export type { LogsEndpoint } from './endpoint.ts'
