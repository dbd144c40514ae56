// The agent's mutable bookkeeping in one place: what is held and what last failed. Plaintext is
// not in here; the rollback marks live in high-water.ts.
import type { PackedArtifact } from '@clef-sh/artifact-format'
import type { ErrorCode } from '@clef-sh/errors'

/** The artifact currently served, still encrypted, and the source's validator for it. */
export interface HeldArtifact {
  readonly artifact: PackedArtifact
  readonly text: string
  etag: string | undefined
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

/** Everything the pipeline, the serving gate and the reader share. */
export interface AgentState {
  phase: AgentPhase
  held: HeldArtifact | undefined
  lastError: FailureRecord | undefined
  /**
   * The last permanent failure (auth, not found, a bad signature…) since the last successful
   * refresh. It ends stale-if-error at once, and later transient failures do not bring it back.
   */
  failClosed: FailureRecord | undefined
  /** Epoch ms of the last successful refresh (or disk-cache load). */
  lastSuccessAt: number | undefined
  /** Epoch ms at which the last refresh attempt ended, successful or not. */
  lastAttemptAt: number | undefined
}

/** A fresh state: nothing held, nothing failed. */
export const createAgentState = (): AgentState => ({
  phase: 'idle',
  held: undefined,
  lastError: undefined,
  failClosed: undefined,
  lastSuccessAt: undefined,
  lastAttemptAt: undefined,
})

/** The rollback-protection key of an artifact; JSON, so no identity/environment pair collides. */
export const lineageOf = (artifact: Pick<PackedArtifact, 'identity' | 'environment'>): string =>
  JSON.stringify([artifact.identity, artifact.environment])

/** True once the first load attempt ended (and until stop). */
export const isLoaded = (state: AgentState): boolean => state.phase === 'running'

/** True when the held artifact's `expiresAt` has passed at `now`. */
export const heldExpired = (state: AgentState, now: number): boolean => {
  const at = state.held?.expiresAtMs
  return at !== undefined && at <= now
}
