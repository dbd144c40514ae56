// The error every source throws: an AgentError that also names the source (redacted) and, for
// HTTP-like sources, the status and the server's requested back-off.
import { AgentError, type AgentErrorOptions, type ErrorCode } from '@clef-sh/errors'

/** Options of {@link SourceError}. */
export interface SourceErrorOptions extends AgentErrorOptions {
  /** The source's `describe()`, which never contains a credential. */
  source: string
  /** The HTTP status the origin answered, when there was one. */
  status?: number | undefined
  /** How long the origin asked us to wait (Retry-After), in milliseconds. */
  retryAfterMs?: number | undefined
}

/**
 * A failed fetch, with a `source_*` code (or `config_invalid` for an S3 source without a region).
 * `source_rate_limited` and `source_unreachable` are transient, except the
 * `source_unreachable` of an SDK client (S3, GitHub, GitLab) that fails to load; the rest are permanent until the
 * configuration or the artifact changes.
 */
export class SourceError extends AgentError {
  override name = 'SourceError'
  /** The source's `describe()`. */
  readonly source: string
  /** The HTTP status the origin answered (200 for an unusable body), when there was one. */
  readonly status?: number
  /** The wait the origin asked for (Retry-After, rate-limit reset), in ms; the agent's back-off obeys it. */
  readonly retryAfterMs?: number

  constructor(code: ErrorCode, message: string, opts: SourceErrorOptions) {
    const { source, status, retryAfterMs, ...base } = opts
    super(code, message, base)
    this.source = source
    if (status !== undefined) this.status = status
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs
  }
}

/** Hint of every `source_not_found`. */
export const HINT_NOT_PACKED = 'has the artifact been packed? check CLEF_AGENT_SOURCE'
