// The checks of docs/SPEC.md §1 on one fetched artifact text, in the reference order: parse → revoked →
// shape → expired → (same revision: done) → hash → signature → rollback → decrypt → swap.
import {
  checkArtifact,
  expiredError,
  expiresAtMs,
  parseArtifact,
  type PackedArtifact,
  type VerifyKey,
} from '@clef-sh/artifact-format'
import { ErrorCode, isAgentError, type AgentError } from '@clef-sh/errors'
import type { HighWater } from './high-water.ts'
import type { SecretsProvider } from './provider.ts'
import { lineageOf, type AgentState } from './state.ts'

/** What ingest needs from the agent. */
export interface IngestContext {
  readonly state: AgentState
  readonly provider: SecretsProvider
  readonly now: () => number
  readonly verifyKey: VerifyKey | undefined
  /** Rollback protection (it knows whether CLEF_AGENT_ALLOW_ROLLBACK is set). */
  readonly highWater: HighWater
  /** Wipes memory, JIT store and disk cache (revocation, expiry). */
  readonly wipe: (reason: AgentError) => Promise<void>
}

/** One artifact text to ingest. */
export interface IngestInput {
  text: string
  etag: string | undefined
  signal: AbortSignal
}

const parseOrWipe = async (ctx: IngestContext, text: string): Promise<PackedArtifact> => {
  try {
    return parseArtifact(text)
  } catch (e) {
    if (isAgentError(e) && e.code === ErrorCode.Revoked) await ctx.wipe(e)
    throw e
  }
}

const isSameArtifact = (a: PackedArtifact, b: PackedArtifact): boolean =>
  a.revision === b.revision && lineageOf(a) === lineageOf(b)

/**
 * Checks `input.text` and, when it passes, makes it the served artifact. Returns its revision and
 * whether anything was swapped. A failure leaves the served secrets alone, except `revoked` and
 * `expired`, which wipe them first. Throws the artifact codes of docs/SPEC.md §1, `rollback`, and the
 * decrypt codes.
 */
export const ingest = async (
  ctx: IngestContext,
  input: IngestInput,
): Promise<{ artifact: PackedArtifact; changed: boolean }> => {
  const artifact = await parseOrWipe(ctx, input.text)
  const now = ctx.now()
  const expiresAt = expiresAtMs(artifact)
  if (expiresAt !== undefined && expiresAt <= now) {
    const error = expiredError(expiresAt)
    await ctx.wipe(error)
    throw error
  }
  const held = ctx.state.held
  if (held !== undefined && isSameArtifact(held.artifact, artifact)) {
    // Same revision: nothing to decrypt. Other bytes under a known revision still get the cheap
    // checks, so a tampered copy is reported instead of silently renewing freshness.
    if (input.text !== held.text) checkArtifact(artifact, { now, verifyKey: ctx.verifyKey })
    held.etag = input.etag
    return { artifact: held.artifact, changed: false }
  }
  checkArtifact(artifact, { now, verifyKey: ctx.verifyKey })
  ctx.highWater.check(artifact)
  await ctx.provider.accept(artifact, input.signal)
  ctx.state.held = { artifact, text: input.text, etag: input.etag, expiresAtMs: expiresAtMs(artifact) }
  ctx.highWater.record(artifact)
  return { artifact, changed: true }
}
