/**
 * The stable error codes, `AgentError`, URL redaction and the `Logger` interface that every clef-
 * agent package reports through, and the check of the files the agent trusts (token, age key,
 * disk cache), which every package that opens one applies.
 *
 * @packageDocumentation
 * @module @clef-sh/errors
 */
export { ErrorCode, isErrorCode } from './codes.ts'
export { AgentError, isAgentError, toAgentError } from './agent-error.ts'
export type { AgentErrorOptions } from './agent-error.ts'
export { decodePercent, redactUrl } from './redact.ts'
export { noopLogger } from './logger.ts'
export type { Logger, LogFields } from './logger.ts'
export { distrust, effectiveUid, EMPTY_DIR_FIX, octalMode, resolveTrustedPath } from './trusted-path.ts'
export type { TrustOptions } from './trusted-path.ts'
export { openTrustedFile, readTrustedFile } from './trusted-file.ts'
export type { TrustedFile } from './trusted-file.ts'
