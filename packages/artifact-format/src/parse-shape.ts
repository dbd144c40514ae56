// Check 3 of docs/SPEC.md §1: the shape of a parsed artifact. The result is a typed artifact with only the
// known fields; unknown ones are dropped.
import { AgentError, ErrorCode } from '@clef-sh/errors'
import type { Envelope, PackedArtifact } from './types.ts'

/** A parsed JSON object. */
export type Json = Record<string, unknown>

const REQUIRED = ['identity', 'environment', 'packedAt', 'revision', 'ciphertextHash', 'ciphertext'] as const
const ENVELOPE_FIELDS = ['provider', 'keyId', 'wrappedKey', 'algorithm', 'iv', 'authTag'] as const

/** True for a JSON object (not null, not an array). */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The `invalid_shape` error, message prefixed `invalid artifact:`. */
export const shapeError = (message: string): AgentError =>
  new AgentError(ErrorCode.InvalidShape, `invalid artifact: ${message}`)

const requireString = (obj: Json, field: string, path = field): string => {
  const v = obj[field]
  if (typeof v !== 'string' || v === '') throw shapeError(`'${path}' must be a non-empty string`)
  return v
}

/** Reads an optional field: absent and null both mean "not set". */
const optional = (obj: Json, field: string): unknown => (obj[field] === null ? undefined : obj[field])

const checkVersion = (obj: Json): void => {
  const v = obj['version']
  if (typeof v !== 'number') throw shapeError(`'version' must be a number`)
  if (v !== 1) {
    throw new AgentError(ErrorCode.UnsupportedVersion, `unsupported artifact version ${v} (expected 1)`)
  }
}

const parseEnvelope = (value: unknown): Envelope | undefined => {
  if (value === undefined) return undefined
  if (!isObject(value)) throw shapeError(`'envelope' must be an object`)
  const [provider, keyId, wrappedKey, algorithm, iv, authTag] = ENVELOPE_FIELDS.map((f) =>
    requireString(value, f, `envelope.${f}`),
  ) as [string, string, string, string, string, string]
  return { provider, keyId, wrappedKey, algorithm, iv, authTag }
}

const optionalString = (obj: Json, field: string): string | undefined => {
  const v = optional(obj, field)
  if (v === undefined || typeof v === 'string') return v
  throw shapeError(`'${field}' must be a string`)
}

const parseExpiresAt = (obj: Json): string | undefined => {
  const v = optionalString(obj, 'expiresAt')
  if (v !== undefined && Number.isNaN(Date.parse(v))) throw shapeError(`'expiresAt' must be an ISO-8601 date`)
  return v
}

/**
 * Checks the shape of a parsed artifact (docs/SPEC.md §1 check 3) and returns its known fields. Null
 * optional fields count as absent. Throws AgentError `invalid_shape` (naming the field) or
 * `unsupported_version`.
 */
export const parseShape = (value: unknown): PackedArtifact => {
  if (!isObject(value)) throw shapeError('not a JSON object')
  checkVersion(value)
  const [identity, environment, packedAt, revision, ciphertextHash, ciphertext] = REQUIRED.map((f) =>
    requireString(value, f),
  ) as [string, string, string, string, string, string]
  const artifact: PackedArtifact = {
    version: 1,
    identity,
    environment,
    packedAt,
    revision,
    ciphertextHash,
    ciphertext,
  }
  const envelope = parseEnvelope(optional(value, 'envelope'))
  const expiresAt = parseExpiresAt(value)
  const signature = optionalString(value, 'signature')
  const signatureAlgorithm = optionalString(value, 'signatureAlgorithm')
  if (envelope !== undefined) artifact.envelope = envelope
  if (expiresAt !== undefined) artifact.expiresAt = expiresAt
  if (signature !== undefined) artifact.signature = signature
  if (signatureAlgorithm !== undefined) artifact.signatureAlgorithm = signatureAlgorithm
  return artifact
}
