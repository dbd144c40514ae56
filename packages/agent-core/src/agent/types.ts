// The public shape of the in-process agent: what apps (daemon, sidecar, Lambda extension) and
// embedding programs get from createAgent().
import type { SecretValues } from '@clef-sh/artifact-format'
import type { KmsResolver } from '@clef-sh/decrypt'
import type { ErrorCode, Logger } from '@clef-sh/errors'
import type { AgentServing } from './serving.ts'

/** Outcome of one refresh, as reported to `onRefresh` listeners. */
export type RefreshEvent =
  { ok: true; revision: string; changed: boolean } | { ok: false; code: ErrorCode; message: string }

/**
 * The events of {@link Agent.on}. Listeners run synchronously, in subscription order, after the
 * agent's own state is updated; one that throws is logged and skipped, never propagated.
 */
export interface AgentEvents {
  /**
   * A refresh succeeded: `revision` is served now. `changed` is false when the source had nothing
   * new (an unchanged poll, or the same revision again).
   */
  refresh: { revision: string; changed: boolean }
  /**
   * A refresh failed, or the cached secrets outlived their TTL (`cache_expired`). `code` is the
   * stable {@link ErrorCode}; `message` never holds a secret. Secrets held before keep being served
   * unless `ready` says otherwise (a `revoked`, `expired` or `cache_expired` error withdraws them).
   */
  error: { code: ErrorCode; message: string }
  /**
   * The secrets of `revision` were wiped from memory (the disk cache is removed right after): the
   * source published a revocation (`reason: 'revoked'`) or the artifact's `expiresAt` passed
   * (`reason: 'expired'`). Fired once per withdrawal, before the matching `error` event; a revoked
   * artifact seen while nothing is held gives only the `error` event.
   */
  revoked: { reason: 'revoked' | 'expired'; revision: string; message: string }
}

/** The timer functions the refresh loop uses; tests pass a fake to assert the schedule. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** Injected collaborators of createAgent; every one has a production default. */
export interface AgentDeps {
  /** Default: drop everything. */
  logger?: Logger
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number
  /** The fetch of HTTP-based sources. Default the global fetch. */
  fetch?: typeof fetch
  /** Timeout (ms) and size cap (bytes) of every source fetch. Default the sources' own (10 s, 16 MiB). */
  sourceLimits?: { timeoutMs?: number; maxBytes?: number }
  /** Default the global setTimeout / clearTimeout. */
  timers?: Timers
  /** Resolves KMS adapters for envelope artifacts. Default: `createKmsResolver` (AWS, SDK loaded lazily). */
  kms?: KmsResolver
  /** Knobs of the telemetry exporter, used only when `config.telemetryUrl` is set. */
  telemetry?: TelemetryDeps
}

/** Knobs of the telemetry exporter (docs/SPEC.md §9); every one has a default. */
export interface TelemetryDeps {
  /** Default the global fetch. */
  fetch?: typeof fetch
  /** Default 10 000 ms. */
  flushIntervalMs?: number
  /** Default 5000 ms. */
  requestTimeoutMs?: number
  /** Events held while the collector is away. Default 1000. */
  maxBuffer?: number
  /** How long `stop()` waits for the last flush. Default 2000 ms. */
  shutdownMs?: number
  /** `service.version`. Default the version of @clef-sh/agent-core. */
  version?: string
}

/** The running agent. Plaintext lives only inside it, in memory. */
export interface Agent extends AsyncDisposable {
  /**
   * Loads the key, then makes the first load attempt; resolves when it ended, **success or not**:
   * a source that is down or an artifact that is refused does not reject it (the loop keeps
   * retrying). Check `ready` afterwards, or use `loadSecrets` to get the failure as a rejection.
   * Idempotent: later calls share the first one's promise. Rejects only with AgentError
   * `config_invalid` (an unreadable age key file, a malformed age key) or `not_loaded` (the agent
   * was stopped before or while starting).
   *
   * A started agent keeps the Node process alive (its refresh timer) until `stop()` is called, the
   * `signal` option aborts, or an `await using` scope disposes it.
   */
  start(): Promise<void>
  /** Aborts the fetch in flight, clears every timer and drops the plaintext. Idempotent. */
  stop(reason?: string): Promise<void>
  /** What a server serves from: `createAgentReader(agent.serving)` of `@clef-sh/http-api`. */
  readonly serving: AgentServing
  /**
   * A copy of every secret. Once `start()` was called, waits for the first load attempt while it
   * runs. Rejects like `serving.snapshot()` (`not_loaded`, `cache_expired` after at most 1 s of
   * waiting for a refresh, …).
   */
  getAll(): Promise<SecretValues>
  /**
   * One secret by flat name `ns__key`, else by a bare key unique across namespaces. Rejects with
   * `key_ambiguous` for a bare key in several namespaces or a flat name two namespaces produce.
   */
  get(key: string): Promise<string | undefined>
  /** Flat names `ns__key` of every secret, each once (a flat name two namespaces produce is ambiguous for `get`). */
  keys(): Promise<string[]>
  /** The revision held (cached values or the JIT artifact), or null before the first load and after a wipe or `stop()`. */
  readonly revision: string | null
  /**
   * True when secrets can be served now: loaded, within the TTL (plus any stale-if-error grace),
   * not revoked or expired, and not stopped. Reading it may notice an expiry and fire `error`.
   */
  readonly ready: boolean
  /**
   * Subscribes `listener` to one of the {@link AgentEvents} (`refresh`, `error`, `revoked`); returns
   * the unsubscribe function. Subscribing before `start()` hears the first load.
   */
  on<E extends keyof AgentEvents>(event: E, listener: (e: AgentEvents[E]) => void): () => void
  /** Subscribes to every refresh outcome, success or failure, in one listener; returns the unsubscribe function. */
  onRefresh(listener: (e: RefreshEvent) => void): () => void
}
