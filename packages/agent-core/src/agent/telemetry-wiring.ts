// The agent's telemetry (docs/SPEC.md §9): turns refresh outcomes into events, takes the collector's auth
// headers from the packed secrets, and flushes at stop. Without a telemetry URL it is all a no-op.
import type { PackedArtifact, SecretValues } from '@clef-sh/artifact-format'
import { ErrorCode, type Logger } from '@clef-sh/errors'
import {
  createTelemetry,
  telemetryAuthHeaders,
  type TelemetryEvent,
  type TelemetryStats,
} from '@clef-sh/telemetry'
import pkg from '../../package.json' with { type: 'json' }
import type { AgentState } from './state.ts'
import type { RefreshEvent, TelemetryDeps } from './types.ts'

/** Options of {@link createAgentTelemetry}. */
export interface AgentTelemetryOptions {
  url: URL | undefined
  agentId: string
  /** The source's kind, and identity/environment when the config names them (VCS sources). */
  source: { kind: string; identity?: string; environment?: string }
  /** Read for the identity of a refresh and whether a failure is transient. */
  state: AgentState
  logger: Logger
  now: () => number
  deps?: TelemetryDeps | undefined
}

/** What the agent reports to telemetry. */
export interface AgentTelemetry {
  started(mode: string, source: string): void
  /** Every refresh outcome, as given to `onRefresh` listeners. */
  refreshed(event: RefreshEvent): void
  /** A newly decrypted revision: refreshes the auth headers. Keeps nothing else of `values`. */
  readonly loaded: (artifact: PackedArtifact, values: SecretValues) => void
  /** Reports agent.stopped and flushes, waiting at most `deps.shutdownMs` (default 2000 ms). */
  stop(reason: string): Promise<void>
  readonly stats: () => Readonly<TelemetryStats> | undefined
}

const NO_TELEMETRY: AgentTelemetry = {
  started: () => {},
  refreshed: () => {},
  loaded: () => {},
  stop: () => Promise.resolve(),
  stats: () => undefined,
}

const ARTIFACT_CODES: ReadonlySet<string> = new Set([
  ErrorCode.JsonParse,
  ErrorCode.InvalidShape,
  ErrorCode.UnsupportedVersion,
  ErrorCode.Integrity,
  ErrorCode.SignatureMissing,
  ErrorCode.SignatureInvalid,
  ErrorCode.Decrypt,
  ErrorCode.KmsUnwrap,
  ErrorCode.KmsUnsupportedProvider,
  ErrorCode.Rollback,
  ErrorCode.LineageMismatch,
])

/** The event of a failed refresh; none for `not_loaded` (the agent stopping mid-refresh). */
const failureEvent = (code: ErrorCode, message: string, transient: boolean): TelemetryEvent | undefined => {
  if (code === ErrorCode.NotLoaded) return undefined
  if (code === ErrorCode.Revoked) return { name: 'artifact.revoked', fields: { code, message } }
  if (code === ErrorCode.Expired) return { name: 'artifact.expired', fields: { code, message } }
  if (code === ErrorCode.CacheExpired) return { name: 'cache.expired', fields: { code, message } }
  if (ARTIFACT_CODES.has(code)) return { name: 'artifact.invalid', fields: { reason: code, message } }
  return { name: 'fetch.failed', fields: { code, message, transient } }
}

/** The first value of a key named `name`, in any namespace. */
const findSecret = (values: SecretValues, name: string): string | undefined => {
  for (const keys of Object.values(values)) if (Object.hasOwn(keys, name)) return keys[name]
  return undefined
}

/** The agent's telemetry: real when `opts.url` is set, a no-op otherwise. */
export const createAgentTelemetry = (opts: AgentTelemetryOptions): AgentTelemetry => {
  if (opts.url === undefined) return NO_TELEMETRY
  const { state, logger, deps = {} } = opts
  const known = { identity: opts.source.identity, environment: opts.source.environment }
  let headers: Record<string, string> = {}
  let initial = true
  const telemetry = createTelemetry({
    url: opts.url,
    resource: () => ({
      agentId: opts.agentId,
      sourceType: opts.source.kind,
      version: deps.version ?? pkg.version,
      ...known,
    }),
    headers: () => headers,
    now: opts.now,
    logger,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    ...(deps.flushIntervalMs === undefined ? {} : { flushIntervalMs: deps.flushIntervalMs }),
    ...(deps.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: deps.requestTimeoutMs }),
    ...(deps.maxBuffer === undefined ? {} : { maxBuffer: deps.maxBuffer }),
  })

  const refreshedEvent = (revision: string): TelemetryEvent => {
    const artifact = state.held?.artifact
    const event: TelemetryEvent = {
      name: 'artifact.refreshed',
      fields: { revision, identity: artifact?.identity, environment: artifact?.environment, initial },
    }
    initial = false
    return event
  }

  return {
    started: (mode, source) => {
      telemetry.emit({ name: 'agent.started', fields: { mode, source } })
    },
    refreshed: (e) => {
      // An unchanged poll is not news; metrics count those.
      if (e.ok && !e.changed) return
      const event = e.ok
        ? refreshedEvent(e.revision)
        : failureEvent(e.code, e.message, state.lastError?.transient ?? false)
      if (event !== undefined) telemetry.emit(event)
    },
    loaded: (artifact, values) => {
      known.identity = artifact.identity
      known.environment = artifact.environment
      const parsed = telemetryAuthHeaders({
        headers: findSecret(values, 'CLEF_TELEMETRY_HEADERS'),
        token: findSecret(values, 'CLEF_TELEMETRY_TOKEN'),
      })
      // Kept across a revocation on purpose: the artifact.revoked event still needs to get through.
      headers = parsed.headers
      if (parsed.refused.length > 0) logger.warn('telemetry headers refused', { names: parsed.refused })
    },
    stop: async (reason) => {
      telemetry.emit({ name: 'agent.stopped', fields: { reason } })
      await telemetry.shutdown(deps.shutdownMs ?? 2000)
    },
    stats: () => telemetry.stats,
  }
}
