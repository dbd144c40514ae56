// The checks of docs/SPEC.md §1 on one fetched artifact text, in the reference order: parse →
// revoked → shape → lineage pin → expired → (same revision: done) → hash → signature → rollback →
// decrypt → swap.
import {
  checkArtifact,
  compareRevisions,
  expiredError,
  expiresAtMs,
  parseArtifact,
  parseRevocationMarker,
  verifySignature,
  type PackedArtifact,
  type VerifyKey,
} from '@clef-sh/artifact-format'
import { AgentError, ErrorCode, isAgentError } from '@clef-sh/errors'
import type { LineagePin } from '../config/types.ts'
import type { HighWater } from './high-water.ts'
import type { SecretsProvider } from './provider.ts'
import { lineageOf, type AgentState } from './state.ts'

/** What ingest needs from the agent. */
export interface IngestContext {
  readonly state: AgentState
  readonly provider: SecretsProvider
  readonly now: () => number
  readonly verifyKey: VerifyKey | undefined
  /** CLEF_AGENT_IDENTITY / _ENVIRONMENT: another lineage is refused before anything else. */
  readonly lineage: LineagePin | undefined
  /** Rollback protection (it knows whether CLEF_AGENT_ALLOW_ROLLBACK is set). */
  readonly highWater: HighWater
  /**
   * Wipes memory, JIT store and disk cache (revocation, expiry). `lasting` false: the held
   * revision is not marked dead, so it is served again once the source offers it again.
   */
  readonly wipe: (reason: AgentError, lasting: boolean) => Promise<void>
}

/** One artifact text to ingest. */
export interface IngestInput {
  text: string
  etag: string | undefined
  signal: AbortSignal
}

const isSameArtifact = (a: PackedArtifact, b: PackedArtifact): boolean =>
  a.revision === b.revision && lineageOf(a) === lineageOf(b)

/**
 * Whether a wipe triggered by `trigger` (the fetched artifact's fields, undefined for a bare
 * marker) may mark the held revision dead for good. Without a verify key anyone who can write the
 * source is trusted anyway, so yes (SECURITY.md). With one, only when `trigger` is signed by it,
 * for the held lineage, and not older than the held revision: an unsigned marker fails closed for
 * now but cannot disable the genuine artifact after it comes back.
 */
const wipeIsLasting = (ctx: IngestContext, trigger: PackedArtifact | undefined): boolean => {
  const key = ctx.verifyKey
  if (key === undefined) return true
  const held = ctx.state.held?.artifact
  if (trigger === undefined || held === undefined || !verifySignature(trigger, key)) return false
  if (lineageOf(trigger) !== lineageOf(held)) return false
  return trigger.revision === held.revision || (compareRevisions(trigger.revision, held.revision) ?? -1) >= 0
}

// The artifact's names are untrusted text bound for logs and /v1/health: quoted and cut short.
const quote = (name: string): string => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name)

/** Throws `lineage_mismatch` when `artifact` was packed for another identity or environment. */
const checkLineage = (pin: LineagePin | undefined, artifact: PackedArtifact): void => {
  const wrong = (['identity', 'environment'] as const).filter(
    (field) => pin?.[field] !== undefined && pin[field] !== artifact[field],
  )
  if (wrong.length === 0) return
  const found = wrong.map((f) => `${f} ${quote(artifact[f])}`).join(', ')
  const wanted = wrong.map((f) => `${f} ${quote(pin?.[f] ?? '')}`).join(', ')
  throw new AgentError(
    ErrorCode.LineageMismatch,
    `artifact was packed for ${found}; this agent is pinned to ${wanted}`,
    {
      hint: 'point the source at this identity and environment, or fix CLEF_AGENT_IDENTITY / CLEF_AGENT_ENVIRONMENT',
    },
  )
}

const parseOrWipe = async (ctx: IngestContext, text: string): Promise<PackedArtifact> => {
  try {
    return parseArtifact(text)
  } catch (e) {
    if (isAgentError(e) && e.code === ErrorCode.Revoked) {
      await ctx.wipe(e, wipeIsLasting(ctx, parseRevocationMarker(text)))
    }
    throw e
  }
}

/**
 * Checks `input.text` and, when it passes, makes it the served artifact. Returns its revision and
 * whether anything was swapped. A failure leaves the served secrets alone, except `revoked` and
 * `expired`, which wipe them first. Throws the artifact codes of docs/SPEC.md §1,
 * `lineage_mismatch`, `rollback`, and the decrypt codes.
 */
export const ingest = async (
  ctx: IngestContext,
  input: IngestInput,
): Promise<{ artifact: PackedArtifact; changed: boolean }> => {
  const artifact = await parseOrWipe(ctx, input.text)
  // Before expiry too: an artifact of another lineage must not even wipe.
  checkLineage(ctx.lineage, artifact)
  const now = ctx.now()
  const expiresAt = expiresAtMs(artifact)
  if (expiresAt !== undefined && expiresAt <= now) {
    const error = expiredError(expiresAt)
    await ctx.wipe(error, wipeIsLasting(ctx, artifact))
    throw error
  }
  const held = ctx.state.held
  if (held !== undefined && isSameArtifact(held.artifact, artifact)) {
    // Same revision: nothing to decrypt. Other bytes under a known revision still get the cheap
    // checks, so a tampered copy is reported instead of silently renewing freshness.
    if (input.text !== held.text) checkArtifact(artifact, { now, verifyKey: ctx.verifyKey })
    ctx.state.revalidated(held.artifact, input.etag)
    return { artifact: held.artifact, changed: false }
  }
  checkArtifact(artifact, { now, verifyKey: ctx.verifyKey })
  ctx.highWater.check(artifact)
  await ctx.provider.accept(artifact, input.signal)
  ctx.state.loaded({ artifact, text: input.text, etag: input.etag, expiresAtMs: expiresAtMs(artifact) })
  ctx.highWater.record(artifact)
  return { artifact, changed: true }
}
