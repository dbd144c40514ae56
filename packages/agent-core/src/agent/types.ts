// The public shape of the in-process agent: what apps (daemon, sidecar, Lambda extension) and
// embedding programs get from createAgent().
import type { SecretValues } from '@clef-sh/artifact-format'
import type { KmsResolver } from '@clef-sh/decrypt'
import type { ErrorCode, Logger } from '@clef-sh/errors'
import type { AgentReader } from '@clef-sh/http-api'

/** Outcome of one refresh, as reported to `onRefresh` listeners. */
export type RefreshEvent =
  { ok: true; revision: string; changed: boolean } | { ok: false; code: ErrorCode; message: string }

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

/** Knobs of the telemetry exporter (SPEC §9); every one has a default. */
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
   * Loads the key, then makes the first load attempt; resolves when it ended, success or not (the
   * loop keeps going). Rejects only with AgentError `config_invalid` (an unreadable age key file,
   * a malformed age key).
   */
  start(): Promise<void>
  /** Aborts the fetch in flight, clears every timer and drops the plaintext. Idempotent. */
  stop(reason?: string): Promise<void>
  /** What the HTTP API serves from. */
  readonly reader: AgentReader
  /** A copy of every secret. Throws like `reader.secrets()` (`not_loaded`, `cache_expired`, …). */
  getAll(): Promise<SecretValues>
  /** One secret by flat name `ns__key` or by a bare key unique across namespaces; `key_ambiguous` otherwise. */
  get(key: string): Promise<string | undefined>
  /** Flat names `ns__key` of every secret. */
  keys(): Promise<string[]>
  /** The revision held (cached values or the JIT artifact), or null. */
  revision(): string | null
  /** True when secrets can be served now. */
  ready(): boolean
  /** Subscribes to refresh outcomes; returns the unsubscribe function. */
  onRefresh(cb: (e: RefreshEvent) => void): () => void
  /**
   * Counts one API answer for `/v1/metrics`: pass it as `serveApi`'s `onRequest`. Cheap and
   * never throws (it runs on the hot path).
   */
  readonly recordRequest: (route: string, status: number) => void
}
