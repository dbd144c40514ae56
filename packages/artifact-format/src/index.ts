/**
 * Parses and checks Clef packed artifacts in the order of the contract: shape, version, revocation,
 * expiry, ciphertext hash, signature. Pure functions; every failure is an AgentError with a stable
 * code.
 *
 * @packageDocumentation
 * @module @clef-sh/artifact-format
 */
export {
  parseArtifact,
  parseRevocationMarker,
  MAX_ARTIFACT_DEPTH,
  MAX_FIELD_CHARS,
} from './parse-artifact.ts'
export { scanJson, JsonBoundsError } from './json-bounds.ts'
export type { JsonBounds, JsonScan } from './json-bounds.ts'
export {
  checkArtifact,
  validateArtifact,
  isExpired,
  expiresAtMs,
  expiredError,
  MAX_REVISION_AHEAD_MS,
} from './check-artifact.ts'
export { computeCiphertextHash } from './hash.ts'
export { buildSigningPayload } from './signing-payload.ts'
export { parseVerifyKey, verifySignature } from './verify.ts'
export { revisionTime, compareRevisions } from './revision.ts'
export { flatName, resolveSecret, secretEnv, secretNames } from './secret-names.ts'
export type { NameLookup, SecretEnvOptions, SecretNames } from './secret-names.ts'
export { valuesJson } from './snapshot.ts'
export type { SecretsSnapshot } from './snapshot.ts'
export type { CheckOptions } from './check-artifact.ts'
export type { VerifyKey } from './verify.ts'
export type { Envelope, PackedArtifact, SecretValues } from './types.ts'
