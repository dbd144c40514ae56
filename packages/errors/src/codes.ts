// The stable error codes of clef-agent. They appear in API error bodies, `/v1/ready` reasons,
// `lastError.code`, log lines and telemetry events, so they never change once released.

/** Every stable code the agent reports. Values are the wire strings. */
export const ErrorCode = {
  // Configuration (the daemon exits 1).
  ConfigInvalid: 'config_invalid',
  // Artifact checks, in the order of docs/SPEC.md §1.
  JsonParse: 'json_parse',
  Revoked: 'revoked',
  InvalidShape: 'invalid_shape',
  UnsupportedVersion: 'unsupported_version',
  Expired: 'expired',
  Integrity: 'integrity',
  SignatureMissing: 'signature_missing',
  SignatureInvalid: 'signature_invalid',
  Decrypt: 'decrypt',
  KmsUnwrap: 'kms_unwrap',
  KmsUnsupportedProvider: 'kms_unsupported_provider',
  Rollback: 'rollback',
  /** The artifact was packed for another identity or environment than the agent is pinned to. */
  LineageMismatch: 'lineage_mismatch',
  /** The stored rollback marks could not be read or parsed; protection restarted from none. */
  RollbackMarksCorrupt: 'rollback_marks_corrupt',
  // Sources.
  SourceUnreachable: 'source_unreachable',
  SourceAuth: 'source_auth',
  SourceNotFound: 'source_not_found',
  SourceRateLimited: 'source_rate_limited',
  SourceTooLarge: 'source_too_large',
  SourceInvalidResponse: 'source_invalid_response',
  SourceRedirect: 'source_redirect',
  // Serving state.
  NotLoaded: 'not_loaded',
  CacheExpired: 'cache_expired',
  /** Under Lambda SnapStart, secrets were asked for before the first INVOKE (i.e. during INIT). */
  SnapStartInit: 'snapstart_init',
  // HTTP API.
  Unauthorized: 'unauthorized',
  ForbiddenHost: 'forbidden_host',
  NotFound: 'not_found',
  KeyNotFound: 'key_not_found',
  KeyAmbiguous: 'key_ambiguous',
  Internal: 'internal',
} as const

/** One of the wire strings of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode))

/** True when `value` is one of the stable codes. */
export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && CODES.has(value)
