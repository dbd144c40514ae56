// Checks 1–3 of docs/SPEC.md §1: JSON, the revocation marker (before any shape check, so a bare
// marker counts) and the shape (parse-shape.ts).
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { JsonBoundsError, scanJson } from './json-bounds.ts'
import { isObject, parseShape, shapeError } from './parse-shape.ts'
import type { PackedArtifact } from './types.ts'

/** Deepest nesting an artifact may have: the envelope is at depth 2; the rest is room for new fields. */
export const MAX_ARTIFACT_DEPTH = 8
/** Largest top-level field but `ciphertext` (bounded by the source's size cap), in characters. */
export const MAX_FIELD_CHARS = 65_536
const UNBOUNDED: ReadonlySet<string> = new Set(['ciphertext'])

const parseJson = (text: string): unknown => {
  try {
    // Bounded before JSON.parse builds anything (docs/SPEC.md §1): a deep or huge unknown field
    // would otherwise cost seconds and hundreds of MB.
    scanJson(text, { maxDepth: MAX_ARTIFACT_DEPTH, maxMemberChars: MAX_FIELD_CHARS, unbounded: UNBOUNDED })
  } catch (e) {
    if (e instanceof JsonBoundsError) throw shapeError(e.message)
    throw e
  }
  try {
    return JSON.parse(text)
  } catch (cause) {
    // The parser's message may quote artifact text; keep it only as the cause.
    throw new AgentError(ErrorCode.JsonParse, 'artifact is not valid JSON', { cause })
  }
}

const checkRevoked = (value: unknown): void => {
  if (!isObject(value) || value['revokedAt'] === undefined || value['revokedAt'] === null) return
  const at = value['revokedAt']
  // Quoted only as a canonical time: the marker is untrusted text bound for logs and /v1/health.
  const ms = typeof at === 'string' ? Date.parse(at) : Number.NaN
  const when = Number.isNaN(ms) ? '' : ` at ${new Date(ms).toISOString()}`
  throw new AgentError(ErrorCode.Revoked, `artifact revoked${when}`)
}

/**
 * Parses artifact text (docs/SPEC.md §1 checks 1–3, in order). Unknown top-level fields are dropped; null
 * optional fields count as absent.
 * Throws AgentError `json_parse`, `revoked` (whenever `revokedAt` is set, even on a malformed
 * artifact), `invalid_shape` (naming the field; also, before parsing, for text nested deeper than
 * {@link MAX_ARTIFACT_DEPTH} or with a top-level field other than `ciphertext` over
 * {@link MAX_FIELD_CHARS} characters) or `unsupported_version`.
 */
export const parseArtifact = (text: string): PackedArtifact => {
  const value = parseJson(text)
  checkRevoked(value)
  return parseShape(value)
}

/**
 * The artifact fields of a revocation marker, so that its signature can be checked: a marker that
 * also carries a complete artifact shape (every required field) gives that artifact, and a bare
 * marker (Clef's `revoke` writes only version, identity, environment and revokedAt) gives
 * undefined. Never throws. `revokedAt` is not covered by the signature (docs/SPEC.md §4): a marker that
 * verifies proves only that the key's holder packed those fields.
 */
export const parseRevocationMarker = (text: string): PackedArtifact | undefined => {
  try {
    const value = parseJson(text)
    if (!isObject(value)) return undefined
    return parseShape({ ...value, revokedAt: undefined })
  } catch {
    return undefined
  }
}
