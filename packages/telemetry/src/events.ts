// The agent's telemetry events (docs/SPEC.md §9) and their fields. The set is closed on purpose: every
// field below is reviewed to carry no secret value, token or key, and nothing else can be sent.

/**
 * The fields of each event. Strings are codes, revisions, names and AgentError messages (which
 * by contract never contain a secret); `source` is a source's `describe()`, which never contains
 * a credential.
 */
export interface TelemetryEventFields {
  'agent.started': { mode: string; source: string }
  'agent.stopped': { reason: string }
  /** A new revision was loaded; `initial` marks the first load of this agent. */
  'artifact.refreshed': {
    revision: string
    identity?: string | undefined
    environment?: string | undefined
    initial: boolean
  }
  'artifact.revoked': { code: string; message: string }
  'artifact.expired': { code: string; message: string }
  /** `reason` is the artifact code of docs/SPEC.md §1 (`integrity`, `signature_invalid`, …). */
  'artifact.invalid': { reason: string; message: string }
  'fetch.failed': { code: string; message: string; transient: boolean }
  'cache.expired': { code: string; message: string }
}

/** Every event name. */
export type TelemetryEventName = keyof TelemetryEventFields

/** One event: its name and its fields, which become `clef.<field>` attributes. */
export type TelemetryEvent = {
  [N in TelemetryEventName]: { readonly name: N; readonly fields: Readonly<TelemetryEventFields[N]> }
}[TelemetryEventName]

/** An OTLP severity: the number of the log data model and its text. */
export interface Severity {
  readonly number: number
  readonly text: 'INFO' | 'WARN' | 'ERROR'
}

const INFO: Severity = { number: 9, text: 'INFO' }
const WARN: Severity = { number: 13, text: 'WARN' }
const ERROR: Severity = { number: 17, text: 'ERROR' }

/**
 * Severity per event: ERROR when secrets stop being served (expired, invalid, cache expired),
 * WARN for revocation (an operator's deliberate act) and for a failed fetch (stale secrets may
 * still be served), INFO otherwise.
 */
export const SEVERITY: Readonly<Record<TelemetryEventName, Severity>> = {
  'agent.started': INFO,
  'agent.stopped': INFO,
  'artifact.refreshed': INFO,
  'artifact.revoked': WARN,
  'artifact.expired': ERROR,
  'artifact.invalid': ERROR,
  'fetch.failed': WARN,
  'cache.expired': ERROR,
}
