// Failures of the file source. A missing file and a permission problem are configuration
// issues (permanent); any other I/O failure may clear up on its own (transient).
import { ErrorCode, type AgentErrorOptions } from '@clef-sh/errors'
import { HINT_NOT_PACKED, SourceError } from '../errors.ts'

const NOT_FOUND: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR'])
const DENIED: ReadonlySet<string> = new Set(['EACCES', 'EPERM'])

/** The `describe()` of a file source. */
export const describeFile = (path: string): string => `file:${path}`

/** What went wrong with a file, for {@link fileFailure}. */
export interface FileProblem extends AgentErrorOptions {
  code: ErrorCode
  detail: string
}

/** A {@link SourceError} about `path`, with a message like `[READ] "/etc/a.json": detail`. */
export const fileFailure = (path: string, { code, detail, ...opts }: FileProblem): SourceError =>
  new SourceError(code, `[READ] "${path}": ${detail}`, { ...opts, source: describeFile(path) })

const errnoCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined

/**
 * Maps an error thrown by node:fs while reading `path`: ENOENT/ENOTDIR → `source_not_found`,
 * EACCES/EPERM → `source_auth`, anything else → `source_unreachable`, transient. Only the
 * errno code reaches the message.
 */
export const fileErrorToSourceError = (e: unknown, path: string): SourceError => {
  const code = errnoCode(e)
  if (code !== undefined && NOT_FOUND.has(code)) {
    const detail = `no such file (${code})`
    return fileFailure(path, { code: ErrorCode.SourceNotFound, detail, cause: e, hint: HINT_NOT_PACKED })
  }
  if (code !== undefined && DENIED.has(code)) {
    const hint = 'check that the agent user may read the file (owner, mode, mount options)'
    return fileFailure(path, {
      code: ErrorCode.SourceAuth,
      detail: `permission denied (${code})`,
      cause: e,
      hint,
    })
  }
  const detail = `read failed (${code ?? 'unknown error'})`
  return fileFailure(path, { code: ErrorCode.SourceUnreachable, detail, cause: e, transient: true })
}
