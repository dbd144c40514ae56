// Checks 4–6 of docs/SPEC.md §1 on a parsed artifact: expiry, ciphertext hash, signature. Kept apart
// from parsing so a cached artifact can be re-checked (expiry) without parsing it again.
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { computeCiphertextHash } from './hash.ts'
import { parseArtifact } from './parse-artifact.ts'
import { revisionTime } from './revision.ts'
import type { PackedArtifact } from './types.ts'
import { verifySignature, type VerifyKey } from './verify.ts'

/** Options of {@link checkArtifact} and {@link validateArtifact}. */
export interface CheckOptions {
  /** Current time, unix ms (injected clock). */
  now: number
  /** When set, the artifact must carry a signature that verifies under it. */
  verifyKey?: VerifyKey | undefined
}

/**
 * How far ahead of the clock a revision may be stamped. Past it the revision is refused: it would
 * otherwise become a rollback mark that blocks every genuine artifact packed before that time.
 */
export const MAX_REVISION_AHEAD_MS = 86_400_000

/** `expiresAt` in unix ms, or undefined when the artifact does not expire. Never throws. */
export const expiresAtMs = (artifact: PackedArtifact): number | undefined =>
  artifact.expiresAt === undefined ? undefined : Date.parse(artifact.expiresAt)

/** True when the artifact has an `expiresAt` at or before `now` (unix ms). */
export const isExpired = (artifact: PackedArtifact, now: number): boolean => {
  const at = expiresAtMs(artifact)
  return at !== undefined && at <= now
}

/**
 * The `expired` error for an artifact whose `expiresAt` is `at` (unix ms). It names the canonical
 * time, never the artifact's text: Date.parse accepts comments of any length and content
 * (`2020-01-01 (…)`), and this message reaches logs, /v1/health and telemetry.
 */
export const expiredError = (at: number): AgentError =>
  new AgentError(ErrorCode.Expired, `artifact expired at ${new Date(at).toISOString()}`)

/**
 * Runs checks 4–6 of docs/SPEC.md §1 in order on an artifact from {@link parseArtifact}; the signature
 * is checked only when `opts.verifyKey` is set. Returns nothing when all pass.
 * Throws AgentError `expired` (`expiresAt` at or before `opts.now`), `invalid_shape` (a
 * `<ms>-<hex>` revision more than {@link MAX_REVISION_AHEAD_MS} ahead of `opts.now`), `integrity` (ciphertextHash
 * mismatch), `signature_missing` or `signature_invalid`.
 */
export const checkArtifact = (artifact: PackedArtifact, opts: CheckOptions): void => {
  const expiresAt = expiresAtMs(artifact)
  if (expiresAt !== undefined && expiresAt <= opts.now) throw expiredError(expiresAt)
  const stamped = revisionTime(artifact.revision)
  if (stamped !== undefined && stamped > opts.now + MAX_REVISION_AHEAD_MS) {
    throw new AgentError(
      ErrorCode.InvalidShape,
      `invalid artifact: 'revision' is stamped ${new Date(stamped).toISOString()}, more than a day ahead of the clock`,
      { hint: "check the packing machine's clock (and this one's), then pack again" },
    )
  }
  if (computeCiphertextHash(artifact.ciphertext) !== artifact.ciphertextHash) {
    throw new AgentError(ErrorCode.Integrity, 'ciphertextHash does not match the ciphertext')
  }
  if (opts.verifyKey === undefined) return
  if (artifact.signature === undefined || artifact.signature === '') {
    throw new AgentError(ErrorCode.SignatureMissing, 'artifact is not signed but a verify key is configured')
  }
  if (!verifySignature(artifact, opts.verifyKey)) {
    throw new AgentError(
      ErrorCode.SignatureInvalid,
      'artifact signature does not verify under the verify key',
    )
  }
}

/**
 * Parses and checks artifact text (docs/SPEC.md §1 checks 1–6) and returns the artifact, ready to decrypt.
 * Throws AgentError `json_parse`, `revoked`, `invalid_shape`, `unsupported_version` (from
 * {@link parseArtifact}), then `expired`, `integrity`, `signature_missing`, `signature_invalid`
 * (from {@link checkArtifact}).
 */
export const validateArtifact = (text: string, opts: CheckOptions): PackedArtifact => {
  const artifact = parseArtifact(text)
  checkArtifact(artifact, opts)
  return artifact
}
