/**
 * The stable error codes, `AgentError`, URL redaction and the `Logger` interface that every clef-
 * agent package reports through.
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
