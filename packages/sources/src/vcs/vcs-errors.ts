// How a repository host's answer becomes a stable code: the HTTP source's mapping, with hints that
// name the token scope each provider needs and the `clef pack` step behind a 404.
import { ErrorCode } from '@clef-sh/errors'
import { SourceError } from '../errors.ts'
import { statusToSourceError, type RequestContext, type StatusAnswer } from '../http/http-errors.ts'

/** Hint of a VCS `source_not_found`. */
export const HINT_VCS_NOT_PACKED: string =
  'has the artifact been packed? run `clef pack` for this identity and environment, commit and push it, ' +
  'and check the repo, identity, environment and ref'

/**
 * The error for a non-success status, as {@link statusToSourceError} maps it, with `authHint` on
 * `source_auth` and {@link HINT_VCS_NOT_PACKED} on `source_not_found`.
 */
export const vcsStatusError = (ctx: RequestContext, answer: StatusAnswer, authHint: string): SourceError => {
  const e = statusToSourceError(ctx, answer)
  const hint =
    e.code === ErrorCode.SourceAuth
      ? authHint
      : e.code === ErrorCode.SourceNotFound
        ? HINT_VCS_NOT_PACKED
        : undefined
  if (hint === undefined) return e
  return new SourceError(e.code, e.message, { source: e.source, status: e.status, hint })
}

/** A failure about a response that did arrive (too large, not UTF-8, unexpected metadata). */
export interface VcsProblem {
  code: ErrorCode
  detail: string
  hint: string
}

/** A {@link SourceError} like `[GET] "<url>": <detail>`, for a 200 answer that is unusable. */
export const vcsFailure = (ctx: RequestContext, problem: VcsProblem): SourceError =>
  new SourceError(problem.code, `${ctx.where}: ${problem.detail}`, {
    source: ctx.source,
    status: 200,
    hint: problem.hint,
  })
