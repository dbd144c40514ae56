// How @octokit/rest's failures become stable codes. GitHub answers an exhausted rate limit with
// 403 (or 429) and `x-ratelimit-remaining: 0`: that is throttling until the reset, not an auth
// failure. Its secondary limits send 403 with Retry-After.
import { STATUS_CODES } from 'node:http'
import { ErrorCode } from '@clef-sh/errors'
import { SourceError } from '../errors.ts'
import { parseRetryAfter } from '../http/retry-after.ts'
import type { VcsCall } from '../vcs/vcs-call.ts'
import { vcsStatusError } from '../vcs/vcs-errors.ts'

/** The part of octokit's RequestError we rely on; an error without `response` never got an answer. */
interface AnsweredRequestError {
  status: number
  response: { headers: Record<string, string | undefined> }
}

const isAnswered = (e: unknown): e is AnsweredRequestError =>
  typeof e === 'object' &&
  e !== null &&
  'status' in e &&
  typeof e.status === 'number' &&
  'response' in e &&
  typeof e.response === 'object' &&
  e.response !== null &&
  'headers' in e.response

/** The HTTP status of an octokit error that carries a response (304 included), else undefined. */
export const answeredStatus = (e: unknown): number | undefined => (isAnswered(e) ? e.status : undefined)

const HINT_RATE =
  'the GitHub API rate limit is exhausted; polling resumes after the reset. Revalidations (304) cost ' +
  'no quota: poll less often, or use a token with a higher limit'

// Milliseconds until the primary limit resets, or the secondary limit's Retry-After; undefined when
// the answer is no rate limit at all.
const rateLimitWait = (e: AnsweredRequestError, now: number): { ms: number | undefined } | undefined => {
  const { headers } = e.response
  if (e.status !== 403 && e.status !== 429) return undefined
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset'])
    if (Number.isFinite(reset)) return { ms: Math.max(0, reset * 1000 - now) }
    return { ms: parseRetryAfter(headers['retry-after'], now) }
  }
  if (e.status === 403 && headers['retry-after'] !== undefined)
    return { ms: parseRetryAfter(headers['retry-after'], now) }
  return undefined
}

/**
 * Maps what octokit threw for a request to `where`: rate limits → `source_rate_limited`
 * (transient, with `retryAfterMs`), other statuses as {@link vcsStatusError}, anything without a
 * response (network, timeout, abort) → `source_unreachable`. octokit's own message is never used:
 * it quotes the response body.
 */
export const githubError = (call: VcsCall, where: string, e: unknown): SourceError => {
  if (!isAnswered(e)) return call.fail(where, e)
  const { vcs } = call
  const now = vcs.now()
  const statusText = STATUS_CODES[e.status] ?? ''
  const wait = rateLimitWait(e, now)
  if (wait !== undefined) {
    const message = `${where}: ${e.status} ${statusText} (rate limit exceeded)`
    return new SourceError(ErrorCode.SourceRateLimited, message, {
      source: vcs.describe,
      status: e.status,
      retryAfterMs: wait.ms,
      transient: true,
      hint: HINT_RATE,
    })
  }
  const answer = { status: e.status, statusText, retryAfter: e.response.headers['retry-after'] ?? null, now }
  return vcsStatusError({ where, source: vcs.describe }, answer, vcs.authHint)
}
