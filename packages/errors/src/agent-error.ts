// The one error class of clef-agent: a stable code, a message safe to log, and whether the
// failure is transient (stale secrets may still be served) or permanent (fail closed).
import { isErrorCode, type ErrorCode } from './codes.ts'

/** Options of {@link AgentError}. */
export interface AgentErrorOptions {
  /** The underlying error. It is never serialized to clients or logs beyond its message. */
  cause?: unknown
  /** True when retrying later may succeed (network, 5xx, throttling). Default false. */
  transient?: boolean
  /** A short hint for operators (e.g. "has the artifact been packed?"). */
  hint?: string
}

/**
 * An error with a stable {@link ErrorCode}. The message must never contain a token, a key, a DEK
 * or a secret value; URLs in it are redacted by whoever builds it.
 */
export class AgentError extends Error {
  override name = 'AgentError'
  /** The stable code: what callers branch on, and what the API, health and telemetry report. */
  readonly code: ErrorCode
  /** True when retrying may succeed; the agent then keeps serving last-good secrets within stale-if-error. */
  readonly transient: boolean
  /** What an operator can do about it, when known. */
  readonly hint: string | undefined

  constructor(code: ErrorCode, message: string, opts: AgentErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    this.transient = opts.transient ?? false
    this.hint = opts.hint
  }
}

/**
 * Structural guard: true for any object with a known stable `code`, so it survives duplicate
 * copies of this package in one process (no `instanceof`).
 */
export const isAgentError = (e: unknown): e is AgentError =>
  typeof e === 'object' && e !== null && 'code' in e && isErrorCode(e.code) && 'message' in e

/**
 * Turns anything thrown into an AgentError: agent errors pass through, anything else becomes
 * `fallback` with the original kept as `cause` and only its message carried over (`opts` apply to
 * the new error only). Never throws.
 */
export const toAgentError = (e: unknown, fallback: ErrorCode, opts: AgentErrorOptions = {}): AgentError => {
  if (isAgentError(e)) return e
  const message = e instanceof Error ? e.message : String(e)
  return new AgentError(fallback, message, { ...opts, cause: e })
}
