// The agent's state and its one owner: what is held, what last failed, when the source last
// answered and where the lifecycle is. Every other module reads it and asks it for a transition;
// none writes a field. Plaintext is not in here (the providers hold it); the rollback marks live in
// high-water.ts.
import type { PackedArtifact } from '@clef-sh/artifact-format'
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** The artifact currently served, still encrypted, and the source's validator for it. */
export interface HeldArtifact {
  readonly artifact: PackedArtifact
  readonly text: string
  readonly etag: string | undefined
  readonly expiresAtMs: number | undefined
}

/** A failure as reported by health, ready and the logs. */
export interface FailureRecord {
  readonly code: ErrorCode
  readonly message: string
  /** Epoch ms. */
  readonly at: number
  /** Whether stale secrets may still be served (stale-if-error). */
  readonly transient: boolean
  /** What an operator can do about it, when known. */
  readonly hint?: string | undefined
  /** How long the source asked us to stay away (Retry-After, rate-limit reset), in ms. */
  readonly retryAfterMs?: number | undefined
}

/** `idle` → `starting` (first attempt running) → `running` → `stopped`. */
export type AgentPhase = 'idle' | 'starting' | 'running' | 'stopped'

/** What the pipeline, the serving gate and the reader read. Only the transitions change it. */
export interface AgentStateView {
  readonly phase: AgentPhase
  readonly held: HeldArtifact | undefined
  /** The failure since the last success, if any. */
  readonly lastError: FailureRecord | undefined
  /**
   * The last permanent failure (auth, not found, a bad signature…) since the last successful
   * refresh. It ends stale-if-error at once, and later transient failures do not bring it back.
   */
  readonly failClosed: FailureRecord | undefined
  /** Epoch ms of the last successful refresh (or disk-cache load); kept across a wipe for health. */
  readonly lastSuccessAt: number | undefined
  /** Epoch ms at which the last refresh attempt ended, successful or not. */
  readonly lastAttemptAt: number | undefined
  /**
   * True when nothing was confirmed since start or the last wipe, or more than the TTL plus
   * `graceMs` (default 0) passed since the last success (docs/SPEC.md §6).
   */
  isStale(graceMs?: number): boolean
  /** True when the held artifact's `expiresAt` has passed. */
  heldExpired(): boolean
}

/** The transitions; each is named after what happened, and is the only way a field changes. */
export interface AgentState extends AgentStateView {
  /** idle → starting. Throws AgentError `not_loaded` when the agent is no longer idle (stopped). */
  starting(): void
  /** starting → running once the first attempt ended; a no-op when stopped meanwhile. */
  running(): void
  /** Any phase → stopped (what is held is dropped by `wiped()` once the loop ended). Returns the phase it left. */
  stopped(): AgentPhase
  /** A new artifact passed every check and its secrets are swapped in. */
  loaded(held: HeldArtifact): void
  /**
   * The source confirmed `artifact` again (a 304, or the same revision): keep its new ETag. A no-op
   * when something else is held by now (it was wiped while the fetch ran).
   */
  revalidated(artifact: PackedArtifact, etag: string | undefined): void
  /** A refresh succeeded: the TTL restarts and every recorded failure is forgotten. */
  refreshed(): void
  /** The disk cache was loaded after a failed first fetch: the TTL restarts, the failure stays. */
  restored(): void
  /** A refresh failed (or a check before the first one, e.g. corrupt marks); a permanent one closes stale-if-error. */
  failed(record: FailureRecord): void
  /** A request-time decrypt failed (JIT): shows in health, does not close stale-if-error. */
  decryptFailed(record: FailureRecord): void
  /** The held secrets were wiped (revoked, expired): nothing held and nothing fresh. Returns what was held. */
  wiped(): HeldArtifact | undefined
  /** A refresh attempt ended, successful or not. */
  attempted(): void
}

/** Options of {@link createAgentState}. */
export interface AgentStateOptions {
  /** Clock in epoch ms. */
  now: () => number
  /** How long a success keeps the held secrets fresh (JIT mode never asks: nothing there goes stale). */
  ttlMs: number
}

/** A fresh state: idle, nothing held, nothing failed. */
export const createAgentState = ({ now, ttlMs }: AgentStateOptions): AgentState => {
  let phase: AgentPhase = 'idle'
  let held: HeldArtifact | undefined
  let lastError: FailureRecord | undefined
  let failClosed: FailureRecord | undefined
  let lastSuccessAt: number | undefined
  let lastAttemptAt: number | undefined
  // A wipe makes the state stale without forgetting when the source last answered (health shows it).
  let freshSince: number | undefined

  const succeeded = (): void => {
    lastSuccessAt = now()
    freshSince = lastSuccessAt
  }
  return {
    get phase() {
      return phase
    },
    get held() {
      return held
    },
    get lastError() {
      return lastError
    },
    get failClosed() {
      return failClosed
    },
    get lastSuccessAt() {
      return lastSuccessAt
    },
    get lastAttemptAt() {
      return lastAttemptAt
    },
    isStale: (graceMs = 0) => freshSince === undefined || now() - freshSince > ttlMs + graceMs,
    heldExpired: () => held?.expiresAtMs !== undefined && held.expiresAtMs <= now(),
    starting: () => {
      if (phase !== 'idle') throw new AgentError(ErrorCode.NotLoaded, 'the agent is stopped')
      phase = 'starting'
    },
    running: () => {
      if (phase === 'starting') phase = 'running'
    },
    stopped: () => {
      const was = phase
      phase = 'stopped'
      return was
    },
    loaded: (next) => {
      held = next
    },
    revalidated: (artifact, etag) => {
      if (held?.artifact === artifact) held = { ...held, etag }
    },
    refreshed: () => {
      succeeded()
      lastError = undefined
      failClosed = undefined
    },
    restored: succeeded,
    failed: (record) => {
      lastError = record
      if (!record.transient) failClosed = record
    },
    decryptFailed: (record) => {
      lastError = record
    },
    wiped: () => {
      const was = held
      held = undefined
      freshSince = undefined
      return was
    },
    attempted: () => {
      lastAttemptAt = now()
    },
  }
}

/** The rollback-protection key of an artifact; JSON, so no identity/environment pair collides. */
export const lineageOf = (artifact: Pick<PackedArtifact, 'identity' | 'environment'>): string =>
  JSON.stringify([artifact.identity, artifact.environment])

/** True once the first load attempt ended (and until stop). */
export const isLoaded = (state: AgentStateView): boolean => state.phase === 'running'
