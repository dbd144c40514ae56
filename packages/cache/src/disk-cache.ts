// The last good artifact on disk, still encrypted, so the agent can serve after a restart while the
// source is down (docs/SPEC.md §6). Writes are atomic: a reader sees the old file or the new, never a part.
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { AgentError, ErrorCode, openTrustedFile } from '@clef-sh/errors'

/** Default read cap: well above the sources' 16 MiB artifact cap. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024

/** Options of {@link createDiskCache}. */
export interface DiskCacheOptions {
  /** The cache file. Its directory is created with mode 0700 when missing. */
  path: string
  /** A larger file is refused on read (it did not come from us). Default 64 MiB. */
  maxBytes?: number
}

/**
 * One file written atomically with mode 0600: the encrypted artifact, or other state that is safe
 * at rest (the rollback marks). Plaintext never goes in here.
 * Every method rejects with AgentError `internal` (permanent) on an I/O failure other than a
 * missing file.
 */
export interface DiskCache {
  /** The cache file, as configured. */
  readonly path: string
  /**
   * The cached text, or undefined when there is no cache file (ENOENT/ENOTDIR). Rejects with
   * `internal` for a file the trusted-file rule of @clef-sh/errors refuses (owned or writable by
   * another user, under a directory another user controls, reached through such a link, or not a
   * regular file: a FIFO does not block), for one over `maxBytes`, or a read error.
   */
  read(): Promise<string | undefined>
  /**
   * Replaces the file atomically (temp file 0600 in the same dir, fsync, rename). The first write
   * of a cache also removes temp files that a crash mid-write left behind.
   */
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

const tempName = (path: string): string => `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`

/** Removes `.<name>.<12 hex>.tmp` siblings: what a process killed between create and rename leaves. */
const sweepTemps = async (path: string): Promise<void> => {
  const dir = dirname(path)
  const prefix = `.${basename(path)}.`
  const leftovers = (await readdir(dir).catch(() => [])).filter(
    (name) => name.startsWith(prefix) && /^[0-9a-f]{12}\.tmp$/.test(name.slice(prefix.length)),
  )
  await Promise.all(leftovers.map((name) => rm(join(dir, name), { force: true }).catch(() => {})))
}

const writeAtomically = async (path: string, text: string): Promise<void> => {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temp = join(dir, tempName(path))
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

const TRUST = {
  what: 'disk cache',
  hint: 'CLEF_AGENT_CACHE_PATH must be owned by this user or root, in directories no other user can write',
}

const readCapped = async (path: string, maxBytes: number): Promise<string> => {
  // The trusted-file rule (owner, writers, links); O_NONBLOCK there keeps a planted FIFO from
  // hanging the start.
  const { handle, stats } = await openTrustedFile(path, TRUST)
  try {
    if (stats.size > maxBytes) throw new Error(`${stats.size} bytes exceed the ${maxBytes}-byte cap`)
    return await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
}

/** Creates a {@link DiskCache} for one file path. Does no I/O until used. */
export const createDiskCache = ({ path, maxBytes = DEFAULT_MAX_BYTES }: DiskCacheOptions): DiskCache => {
  let swept = false
  return {
    path,
    read: async () => {
      try {
        return await readCapped(path, maxBytes)
      } catch (e) {
        if (isMissing(e)) return undefined
        throw ioError('read', path, e)
      }
    },
    write: async (text) => {
      try {
        if (!swept) await sweepTemps(path)
        swept = true
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
  }
}
