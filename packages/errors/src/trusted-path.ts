// The files the agent trusts (token file, age key file, disk cache, rollback marks) decide who can
// read the secrets, so no other local user may plant or swap them. This walk is the one rule every
// package applies: it lives in @clef-sh/errors because that is the leaf every package already
// depends on (cache and decrypt must not depend on agent-core). It needs only node:fs.
import type { Stats } from 'node:fs'
import { lstat, readlink } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { AgentError } from './agent-error.ts'
import { ErrorCode } from './codes.ts'

/** Options of {@link resolveTrustedPath} and `openTrustedFile`. */
export interface TrustOptions {
  /** What the file is, the start of every message: `token file`, `age key file`, `disk cache`. */
  what: string
  /** How to fix a refusal, e.g. `set CLEF_AGENT_TOKEN_FILE to a file in a directory only this user can write`. */
  hint: string
  /** The user that may own the file besides root. Default: the effective uid of this process. */
  uid?: number | undefined
}

/** In a sticky directory only an entry's owner (or root) may rename, remove or replace it. */
const STICKY = 0o1000
/** Linux gives up after 40 links; so does the walk. */
const MAX_LINKS = 40

/** `0755`, `1777`, `2777`: the permission bits as `ls` and `chmod` show them. */
export const octalMode = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0')

/**
 * The user whose files the agent trusts: the effective uid, read once. This is the one place a
 * library reads a fact about its process (like `os.tmpdir()`); undefined where there are no uids.
 */
export const effectiveUid = (): number | undefined => process.geteuid?.()

const writableByOthers = (st: Stats): boolean => (st.mode & 0o022) !== 0

/** Why `st` may not be trusted (`is owned by…`, `has mode…`), or undefined when it may. */
export const distrust = (st: Stats, uid: number): string | undefined => {
  if (st.uid !== uid && st.uid !== 0)
    return `is owned by uid ${st.uid}; only uid ${uid} (this agent) or root may own it`
  if (st.isSymbolicLink() || !writableByOthers(st)) return undefined
  if (st.isDirectory() && (st.mode & STICKY) !== 0) return undefined
  const expected = st.isDirectory() ? '0700 or 0755' : '0600 or 0644'
  return `has mode ${octalMode(st.mode)}; other users can write to it (expected ${expected})`
}

const kindOf = (st: Stats): string => (st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'link' : 'file')

/** What a world-writable directory that is not sticky usually is, and its fix. */
export const EMPTY_DIR_FIX =
  'in Kubernetes, a disk-backed emptyDir (mode 2777) is shared with every user: use emptyDir: { medium: Memory } (a sticky tmpfs) instead'

const emptyDirFix = (st: Stats): string =>
  st.isDirectory() && (st.mode & 0o777) === 0o777 ? `; ${EMPTY_DIR_FIX}` : ''

/**
 * Resolves `path` to its real path, checking every directory from `/` down, every link followed
 * and the last entry (which must be a `file` or a `directory`, per `expect`):
 * - each is owned by `uid` or root;
 * - none but a sticky directory is writable by group or others, and a sticky directory counts only
 *   as the parent of an entry owned by `uid` or root (which the sticky bit keeps others from
 *   replacing);
 * - a link is followed only from a directory that passed, so Kubernetes Secret mounts (root-owned
 *   links `token -> ..data/token`, `..data -> ..<timestamp>` in a root-owned sticky tmpfs) pass.
 * Rejects with the fs error (ENOENT, ENOTDIR, EACCES) when a part is missing or cannot be looked
 * at, and with AgentError `config_invalid` (`<what> <path>: <why>`, naming no content) otherwise.
 * Without uids (Windows) nothing is checked and the resolved path is returned.
 */
export const resolveTrustedPath = async (
  path: string,
  opts: TrustOptions & {
    expect: 'file' | 'directory'
    /** False leaves the last entry's owner and mode to the caller, who checks its fstat. Default true. */
    checkLast?: boolean
  },
): Promise<string> => {
  const uid = opts.uid ?? effectiveUid()
  const absolute = resolve(path)
  if (uid === undefined) return absolute
  const refuse = (why: string): never => {
    throw new AgentError(ErrorCode.ConfigInvalid, `${opts.what} ${path} ${why}`, { hint: opts.hint })
  }
  const check = (at: string, st: Stats): void => {
    const why = distrust(st, uid)
    if (why === undefined) return
    refuse(`${at === absolute ? why : `is refused: ${kindOf(st)} ${at} ${why}`}${emptyDirFix(st)}`)
  }
  check('/', await lstat('/'))
  let current = '/'
  const pending = absolute.split('/').filter((p) => p !== '' && p !== '.')
  let links = 0
  let last: Stats | undefined
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (name === '..') {
      current = resolve(current, '..')
      continue
    }
    const next = join(current, name)
    const st = await lstat(next)
    // The last entry once no link is left; an earlier entry is checked here always.
    if (pending.length > 0 || st.isSymbolicLink() || opts.checkLast !== false) check(next, st)
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) refuse(`is refused: more than ${MAX_LINKS} links to follow`)
      const target = await readlink(next)
      pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'))
      if (isAbsolute(target)) current = '/'
      last = undefined
      continue
    }
    if (!st.isDirectory() && pending.length > 0) refuse(`is refused: ${next} is not a directory`)
    current = next
    last = st
  }
  last ??= await lstat(current)
  if (opts.expect === 'directory' && !last.isDirectory()) refuse('is not a directory')
  if (opts.expect === 'file' && !last.isFile()) refuse('is not a regular file')
  return current
}
