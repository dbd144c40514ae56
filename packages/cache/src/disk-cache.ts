// The last good artifact on disk, still encrypted, so the agent can serve after a restart while the
// source is down (SPEC §6). Writes are atomic: a reader sees the old file or the new, never a part.
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** Options of {@link createDiskCache}. */
export interface DiskCacheOptions {
  /** The cache file. Its directory is created with mode 0700 when missing. */
  path: string
}

/**
 * The encrypted-artifact cache file. It only ever receives encrypted artifact text.
 * Every method throws AgentError `internal` on an I/O failure other than a missing file.
 */
export interface DiskCache {
  readonly path: string
  /** The cached text, or undefined when there is no cache file. */
  read(): Promise<string | undefined>
  /** Replaces the file atomically (temp file 0600 in the same dir, fsync, rename). */
  write(text: string): Promise<void>
  /** Removes the file; a missing file is fine. */
  clear(): Promise<void>
}

const isMissing = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && 'code' in e && (e.code === 'ENOENT' || e.code === 'ENOTDIR')

const ioError = (action: string, path: string, cause: unknown): AgentError =>
  new AgentError(ErrorCode.Internal, `disk cache: cannot ${action} ${path}: ${String(cause)}`, { cause })

const syncDir = async (dir: string): Promise<void> => {
  // Makes the rename itself durable; some platforms cannot open a directory, which is harmless.
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // best effort
  }
}

const writeAtomically = async (path: string, text: string): Promise<void> => {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    // 'wx' never follows or reuses an existing file; the mode is set at creation, before any byte.
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (e) {
    await rm(temp, { force: true })
    throw e
  }
  await syncDir(dir)
}

/** Creates a {@link DiskCache} for one file path. Does no I/O until used. */
export const createDiskCache = ({ path }: DiskCacheOptions): DiskCache => ({
  path,
  read: async () => {
    try {
      return await readFile(path, 'utf8')
    } catch (e) {
      if (isMissing(e)) return undefined
      throw ioError('read', path, e)
    }
  },
  write: async (text) => {
    try {
      await writeAtomically(path, text)
    } catch (e) {
      throw ioError('write', path, e)
    }
  },
  clear: async () => {
    try {
      await rm(path, { force: true })
    } catch (e) {
      throw ioError('remove', path, e)
    }
  },
})
