// The exact bytes Clef signs (docs/SPEC.md §4). Any difference here breaks every signed artifact, so the
// field order and the empty placeholders follow the packer to the letter.
import type { PackedArtifact } from './types.ts'

const SIGNATURE_DOMAIN = 'clef-sig-v3'

/**
 * The signing payload of `artifact`: `clef-sig-v3`, version, identity, environment, revision,
 * packedAt, ciphertextHash, expiresAt, then the six envelope fields (empty strings when absent),
 * joined by `\n` without a trailing newline.
 */
export const buildSigningPayload = (artifact: PackedArtifact): string => {
  const env = artifact.envelope
  return [
    SIGNATURE_DOMAIN,
    String(artifact.version),
    artifact.identity,
    artifact.environment,
    artifact.revision,
    artifact.packedAt,
    artifact.ciphertextHash,
    artifact.expiresAt ?? '',
    env?.provider ?? '',
    env?.keyId ?? '',
    env?.wrappedKey ?? '',
    env?.algorithm ?? '',
    env?.iv ?? '',
    env?.authTag ?? '',
  ].join('\n')
}
