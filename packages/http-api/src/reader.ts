// What the HTTP API needs from the agent: a small read interface. The API never imports
// agent-core; agent-core (or a test) hands it something of this shape.

/** Outcome of looking up one secret by name. */
export type KeyLookup = { found: true; body: Uint8Array } | { found: false; ambiguous: boolean }

/**
 * The secrets of one revision, serialized once. Bodies are UTF-8 JSON, ready to write:
 * `allBody` = `{ns:{key:value}}`, `keysBody` = `["ns__key",…]`, `lookup(name)` = `{key,value}`.
 */
export interface ServedSecrets {
  readonly revision: string
  readonly allBody: Uint8Array
  readonly keysBody: Uint8Array
  /** Resolves a flat name `ns__key`, then a bare key unique across namespaces. Never throws. */
  lookup(name: string): KeyLookup
  /**
   * Present when the bodies live in memory that is zeroed and reused once no response needs it
   * (JIT mode): a response that will write a body calls it first, and calls the function it
   * returns once, when the response has been written or aborted. Unheld, the bodies are valid
   * until the current macrotask ends.
   */
  hold?: () => () => void
}

/** `lastError` of `/v1/health`. */
export interface LastError {
  /** A stable `ErrorCode` value. */
  code: string
  /** The AgentError's message; never a secret. */
  message: string
  /** When it happened, ISO-8601. */
  at: string
  /** What an operator can do about it (e.g. the token scope a 403 needs), when known. */
  hint?: string
}

/** The agent's state as `/v1/health` reports it in `state` (Clef's `status` is always `ok`). */
export type HealthState = 'ok' | 'degraded' | 'unavailable' | 'starting'

/**
 * Body of `GET /v1/health` (docs/SPEC.md §7). Clef's fields keep Clef's types (`status`, `lastRefreshAt`
 * epoch ms); the richer state is in added fields (`state`, `lastRefreshTime`).
 */
export interface HealthStatus {
  /** Clef's field: `ok` whenever the agent answers (liveness); the state is in `state`. */
  status: 'ok'
  /**
   * `starting` until the first load attempt ended; then `unavailable` when secrets cannot be
   * served, `degraded` when they can but a failure was recorded since the last success, else `ok`.
   */
  state: HealthState
  mode: 'cached' | 'jit'
  /** The revision held, or null. */
  revision: string | null
  /** Clef's field: epoch milliseconds of the last successful refresh (or disk-cache load), or null. */
  lastRefreshAt: number | null
  /** `lastRefreshAt` as ISO-8601, or null. */
  lastRefreshTime: string | null
  /** True when the TTL ran out (even within stale-if-error) or the artifact expired. */
  expired: boolean
  /** The failure since the last success, or null. */
  lastError: LastError | null
}

/** Body of `GET /v1/ready`; `reason` is the stable code of why secrets cannot be served. */
export type ReadyStatus = { ready: true } | { ready: false; reason: string }

/**
 * The agent as the API sees it. `secrets()` returns the current secrets or throws (rejects, in
 * JIT mode) an AgentError (`not_loaded`, `cache_expired`, `kms_unwrap`, `decrypt`, …) that
 * becomes the reply of {@link STATUS} (503 for these). In cached mode it returns synchronously
 * when fresh: the hot path must not allocate a promise. Anything that is not an AgentError thrown
 * by a method becomes a 500 `internal`.
 */
export interface AgentReader {
  health(): HealthStatus
  /** May wait briefly (a promise) while the first load runs. */
  ready(): ReadyStatus | Promise<ReadyStatus>
  secrets(): ServedSecrets | Promise<ServedSecrets>
  /**
   * Fetch now, coalesced with a refresh in flight; resolves the revision then held. Rejects with
   * the failed refresh's AgentError, or `not_loaded` when the agent is not running.
   */
  refresh(): Promise<{ revision: string | null }>
  /** Prometheus text exposition. */
  metrics(): string
}
