// Most of the node bundle's start-up was V8 compiling it and every function start-up calls (a bare
// node:http server starts in two thirds of the time). So the bundle's program ships as a string in
// a small launcher, which compiles it with the V8 code cache an earlier start left behind: made
// after that start had run for a while, the cache holds every function start-up compiled. The
// cache is code, kept and checked as cache-file.ts says; anything wrong with it (missing, torn,
// refused by V8 after a Node upgrade, untrusted) means a normal compile and, where allowed, a
// fresh cache. One mechanism on every Node version, with no file outside the user's own cache dir.
import { mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Script } from 'node:vm'
import type { Logger } from '@clef-sh/errors'
import {
  type CacheRead,
  cacheDirOf,
  cacheFileName,
  frameCache,
  readCacheFile,
  trustedDir,
} from './cache-file.ts'

/** What Node hands a CommonJS module body: the launcher passes its own, so the program is the module. */
export interface ModuleScope {
  module: NodeJS.Module
  require: NodeJS.Require
  filename: string
  dirname: string
}

/** Options of {@link runWithCodeCache}. */
export interface LaunchOptions {
  /** The CommonJS program (the bundle's text, without a `#!` line). */
  source: string
  /** The sha256 of `source` (hex), computed when the bundle was built. */
  sourceSha256: string
  scope: ModuleScope
  env: NodeJS.ProcessEnv
  /** The effective uid; undefined (no uids) turns the cache off. */
  uid: number | undefined
  /** Hears `code cache` at debug level (state used, none, rejected…) and a refused file at warn. */
  logger: Logger
  /** How long after start a missing or refused cache is written (if the process lives). Default 1000 ms. */
  writeAfterMs?: number
  /**
   * Runs the cache's creation under the V8 flags of the compile (V8 refuses a cache made under
   * others); default: as they are.
   */
  writeUnder?: <T>(create: () => T) => T
}

/** Node's own CommonJS wrapper, so the program runs exactly as if it were the file. */
const wrap = (source: string): string =>
  `(function (exports, require, module, __filename, __dirname) { ${source}\n})`

/** Caches of other builds or Node versions untouched this long are removed when a new one is written. */
const STALE_MS = 30 * 24 * 3600 * 1000

const prune = (dir: string, keep: string): void => {
  for (const name of readdirSync(dir)) {
    if (name === keep || !name.endsWith('.v8cache')) continue
    const file = join(dir, name)
    if (Date.now() - statSync(file).mtimeMs > STALE_MS) unlinkSync(file)
  }
}

/** Writes the cache of `script` atomically (a reader never sees half a file), mode 0600. */
const writeCache = (data: Buffer, at: { dir: string; name: string; uid: number }): string | undefined => {
  mkdirSync(at.dir, { recursive: true, mode: 0o700 })
  const dir = trustedDir(at.dir, at.uid)
  if (!('path' in dir)) return undefined
  const temp = join(dir.path, `.${at.name}.${process.pid}.tmp`)
  try {
    writeFileSync(temp, frameCache(data), { mode: 0o600, flag: 'wx' })
    renameSync(temp, join(dir.path, at.name))
  } catch (e) {
    try {
      unlinkSync(temp)
    } catch {
      // Never written: nothing to remove.
    }
    throw e
  }
  prune(dir.path, at.name)
  return join(dir.path, at.name)
}

type Lookup = Omit<CacheRead, 'state'> & { state: CacheRead['state'] | 'off' }

/** The usable cache of `name` under `base`, or why there is none. */
const lookup = (base: string | undefined, name: string, uid: number | undefined): Lookup => {
  if (base === undefined || uid === undefined) return { state: 'off' }
  const dir = trustedDir(base, uid)
  if ('why' in dir) return dir.why === 'missing' ? { state: 'none' } : { state: 'untrusted', why: dir.why }
  return readCacheFile(join(dir.path, name), uid)
}

/**
 * Runs `source` as the CommonJS module of `scope`, compiled with the code cache of `env`'s cache
 * directory when one passes every check. Without a usable cache (and unless the directory or the
 * file is untrusted), one is written `writeAfterMs` later if the process still runs. Never fails
 * because of the cache: what the program itself throws propagates as it would from a plain file.
 */
export const runWithCodeCache = (opts: LaunchOptions): void => {
  const { source, scope, logger, uid } = opts
  const base = uid === undefined ? undefined : cacheDirOf(opts.env)
  const name = cacheFileName(opts.sourceSha256)
  const found = lookup(base, name, uid)
  // A file that is there but fails the rule is someone else's doing: say so.
  if (found.state === 'untrusted' && found.why?.includes('.v8cache') === true)
    logger.warn('code cache refused', { why: found.why })
  const script = new Script(wrap(source), { filename: scope.filename, cachedData: found.data })
  const rejected = found.data !== undefined && script.cachedDataRejected === true
  const state = found.data === undefined ? found.state : rejected ? 'rejected' : 'used'
  logger.debug('code cache', { state, why: found.why })
  if (base !== undefined && uid !== undefined && ['none', 'corrupt', 'rejected'].includes(state)) {
    setTimeout(() => {
      try {
        const create = (): Buffer => script.createCachedData()
        const data = opts.writeUnder === undefined ? create() : opts.writeUnder(create)
        const file = writeCache(data, { dir: base, name, uid })
        if (file !== undefined) logger.debug('code cache', { state: 'written', file })
      } catch (e) {
        logger.debug('code cache', { state: 'not written', error: (e as NodeJS.ErrnoException).code })
      }
    }, opts.writeAfterMs ?? 1000).unref()
  }
  const body = script.runInThisContext() as (...args: unknown[]) => unknown
  const { module } = scope
  body.call(module.exports, module.exports, scope.require, module, scope.filename, scope.dirname)
}
