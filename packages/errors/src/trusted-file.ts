// Opens a file the agent trusts (token, age key, disk cache, rollback marks) after checking the
// path to it (trusted-path.ts), and checks the opened file itself, so that what is read is what was
// checked: the directories above it are ones only this user or root can change.
import { constants, type Stats } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { AgentError } from './agent-error.ts'
import { ErrorCode } from './codes.ts'
import { distrust, effectiveUid, resolveTrustedPath, type TrustOptions } from './trusted-path.ts'

/** An open trusted file: close `handle` when done. */
export interface TrustedFile {
  readonly handle: FileHandle
  /** fstat of the open file. */
  readonly stats: Stats
  /** The path after following links. */
  readonly realPath: string
}

/**
 * Opens `path` for reading once {@link resolveTrustedPath} accepted the path to it, and re-checks
 * the open file (fstat): a regular file, owned by the agent's user or root, writable by nobody
 * else. Opened with O_NOFOLLOW and O_NONBLOCK, so neither a link swapped in late nor a FIFO can
 * get past or hang the check. Rejects with the fs error (ENOENT, ENOTDIR, EACCES…) when the file
 * or a directory above it is missing or unreadable, and with AgentError `config_invalid`
 * (`<what> <path>: <why>`, with `hint`) when it may not be trusted. Never names the content.
 */
export const openTrustedFile = async (path: string, opts: TrustOptions): Promise<TrustedFile> => {
  const uid = opts.uid ?? effectiveUid()
  const realPath = await resolveTrustedPath(path, { ...opts, uid, expect: 'file' })
  const handle = await open(realPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const stats = await handle.stat()
    const why = !stats.isFile()
      ? 'is not a regular file'
      : uid === undefined
        ? undefined
        : distrust(stats, uid)
    if (why !== undefined)
      throw new AgentError(ErrorCode.ConfigInvalid, `${opts.what} ${path} ${why}`, { hint: opts.hint })
    return { handle, stats, realPath }
  } catch (e) {
    await handle.close()
    throw e
  }
}

/**
 * Reads a trusted file as UTF-8 (see {@link openTrustedFile}), refusing one over `maxBytes` with
 * `config_invalid`. Resolves undefined when the file is missing (ENOENT, ENOTDIR).
 */
export const readTrustedFile = async (
  path: string,
  opts: TrustOptions & { maxBytes: number },
): Promise<string | undefined> => {
  let file: TrustedFile
  try {
    file = await openTrustedFile(path, opts)
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw e
  }
  try {
    if (file.stats.size > opts.maxBytes) {
      throw new AgentError(
        ErrorCode.ConfigInvalid,
        `${opts.what} ${path} is larger than ${opts.maxBytes} bytes`,
        {
          hint: opts.hint,
        },
      )
    }
    return await file.handle.readFile('utf8')
  } finally {
    await file.handle.close()
  }
}
