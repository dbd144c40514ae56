// Where the node bundle's V8 code cache lives, and the rule it must pass. A code cache is compiled
// code: whoever can write it runs code as the agent's user. So it lives only in this user's own
// cache directory, and it is read only when that directory, every directory above it and the file
// itself pass the trusted-file rule of @clef-sh/errors (`distrust`: owned by this user or root,
// writable by no one else unless sticky). All of it is synchronous: it runs before the bundle is
// compiled, a few stat calls. Any failure is `undefined`: the caller then compiles normally.
import { createHash } from 'node:crypto'
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, realpathSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { distrust } from '@clef-sh/errors'

/** First bytes of a cache file: the format, then the sha256 of the V8 data that follows. */
const MAGIC = Buffer.from('clef-agent code cache 1\n')
const DIGEST = 32

/**
 * The cache directory of `env`: `$XDG_CACHE_HOME/clef-agent` (when absolute, as the XDG spec
 * says), else `$HOME/.cache/clef-agent`; undefined when there is neither or when
 * NODE_DISABLE_COMPILE_CACHE is set (Node's own switch for its compile cache).
 */
export const cacheDirOf = (env: NodeJS.ProcessEnv): string | undefined => {
  if ((env['NODE_DISABLE_COMPILE_CACHE'] ?? '') !== '') return undefined
  const xdg = env['XDG_CACHE_HOME'] ?? ''
  if (isAbsolute(xdg)) return join(xdg, 'clef-agent')
  const home = env['HOME'] ?? ''
  return isAbsolute(home) ? join(home, '.cache', 'clef-agent') : undefined
}

/**
 * The file name of the cache of the program whose sha256 is `sourceSha256` on this Node (V8
 * rejects another's cache anyway).
 */
export const cacheFileName = (sourceSha256: string): string =>
  `${createHash('sha256').update(`${sourceSha256}\0${process.version}\0${process.arch}`).digest('hex').slice(0, 32)}.v8cache`

/**
 * The real path of `dir` when it and every directory above it pass `distrust` for `uid`; else why
 * not (`missing` when it does not exist). Walking the real path checks a link's target, not the link.
 */
export const trustedDir = (dir: string, uid: number): { path: string } | { why: string } => {
  let real: string
  try {
    real = realpathSync(dir)
  } catch {
    return { why: 'missing' }
  }
  let at = '/'
  for (const name of ['', ...real.split('/').filter((p) => p !== '')]) {
    at = join(at, name)
    const st = lstatSync(at)
    const why = st.isDirectory() ? distrust(st, uid) : 'is not a directory'
    if (why !== undefined) return { why: `${at} ${why}` }
  }
  return { path: real }
}

/** Frames V8's cache data for {@link readCacheFile}: magic, sha256, data. */
export const frameCache = (data: Buffer): Buffer =>
  Buffer.concat([MAGIC, createHash('sha256').update(data).digest(), data])

/** What {@link readCacheFile} found: `data` when `found`, `why` when `untrusted`. */
export interface CacheRead {
  state: 'found' | 'none' | 'corrupt' | 'untrusted'
  data?: Buffer | undefined
  why?: string | undefined
}

/**
 * The V8 data of the cache file `path` (in a trusted directory): opened without following a link,
 * a regular file passing `distrust`, framed and with a matching sha256 (a torn or corrupt file is
 * never handed to V8). `untrusted` says why a file that is there was refused.
 */
export const readCacheFile = (path: string, uid: number): CacheRead => {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return code === 'ENOENT'
      ? { state: 'none' }
      : { state: 'untrusted', why: `${path} cannot be opened (${code ?? 'error'})` }
  }
  try {
    const st = fstatSync(fd)
    const why = st.isFile() ? distrust(st, uid) : 'is not a regular file'
    if (why !== undefined) return { state: 'untrusted', why: `${path} ${why}` }
    const file = readFileSync(fd)
    const data = file.subarray(MAGIC.length + DIGEST)
    const sum = file.subarray(MAGIC.length, MAGIC.length + DIGEST)
    const framed = file.subarray(0, MAGIC.length).equals(MAGIC) && sum.length === DIGEST
    const intact = framed && createHash('sha256').update(data).digest().equals(sum)
    return intact ? { state: 'found', data } : { state: 'corrupt' }
  } finally {
    closeSync(fd)
  }
}
