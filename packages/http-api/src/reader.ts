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
  lookup(name: string): KeyLookup
}

/** `lastError` of `/v1/health`. */
export interface LastError {
  code: string
  message: string
  at: string
  /** What an operator can do about it (e.g. the token scope a 403 needs), when known. */
  hint?: string
}

/** Body of `GET /v1/health` (SPEC §7). */
export interface HealthStatus {
  status: 'ok' | 'degraded' | 'unavailable' | 'starting'
  mode: 'cached' | 'jit'
  revision: string | null
  lastRefreshAt: string | null
  expired: boolean
  lastError: LastError | null
}

/** Body of `GET /v1/ready`. */
export type ReadyStatus = { ready: true } | { ready: false; reason: string }

/**
 * The agent as the API sees it. `secrets()` resolves the current secrets or throws an
 * AgentError (`not_loaded`, `cache_expired`, `kms_unwrap`, `decrypt`, …) that becomes a 503.
 * In cached mode it returns synchronously when fresh: the hot path must not allocate a promise.
 */
export interface AgentReader {
  health(): HealthStatus
  ready(): ReadyStatus
  secrets(): ServedSecrets | Promise<ServedSecrets>
  /** Fetch now, coalesced with a refresh in flight. Throws AgentError on failure. */
  refresh(): Promise<{ revision: string | null }>
  /** Prometheus text exposition. */
  metrics(): string
}
