// Where CLEF_AGENT_CACHE_PATH points: one file (our original form), or a directory in Clef's
// layout, `<dir>/<identity>/<environment>.age.json`, so that a Clef user's setting keeps working
// and a cache file Clef's agent left is found. The location is checked once, at start, so an
// unusable one stops the agent instead of warning at every refresh (docs/SPEC.md §6).
import { constants } from 'node:fs'
import { access, mkdir, readdir, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  AgentError,
  ErrorCode,
  isAgentError,
  noopLogger,
  resolveTrustedPath,
  type Logger,
} from '@clef-sh/errors'
import { createDiskCache, type CacheLineage, type DiskCache } from './disk-cache.ts'

/** The artifact file name in Clef's layout. */
const SUFFIX = '.age.json'
/** The rollback marks of a directory cache: one file for every lineage, at the directory's root. */
export const DIR_MARKS_NAME = '.clef-agent.hwm'
const VARIABLE = 'CLEF_AGENT_CACHE_PATH'

/** One path segment: no `/`, `\`, control character, `.` or `..` (the lineage pin's rule). */
export const isPathSegment = (value: string): boolean =>
  value !== '' && value !== '.' && value !== '..' && value.length <= 256 && !/[/\\\p{Cc}]/u.test(value)

/** Options of {@link createCacheLocation}. */
export interface CacheLocationOptions {
  /** CLEF_AGENT_CACHE_PATH as set. A trailing `/` or an existing directory selects the directory form. */
  path: string
  /** The pinned lineage: which `<identity>/<environment>.age.json` to read at start. */
  lineage?: Partial<CacheLineage> | undefined
  logger?: Logger | undefined
}

/** A cache location; {@link CacheLocation.prepare} must resolve before the cache is used. */
export interface CacheLocation {
  /**
   * Creates the directory (0700) and checks it once, and in the directory form finds the file to
   * read: the pinned lineage's, else the single `<dir>/*\/*.age.json` (several: none, logged).
   * Rejects with AgentError `config_invalid` naming CLEF_AGENT_CACHE_PATH when the location cannot
   * be created, is not writable, or fails the trusted-path rule of @clef-sh/errors.
   */
  prepare(): Promise<void>
  /** The artifact cache. A write in the directory form goes to the artifact's lineage file. */
  readonly cache: DiskCache
  /** The rollback marks file: `<path>.hwm`, or `<dir>/.clef-agent.hwm`. Known after prepare. */
  marksPath(): string
}

const reasonOf = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : String(e)

const startError = (path: string, why: string, cause?: unknown): AgentError =>
  new AgentError(ErrorCode.ConfigInvalid, `${VARIABLE} ${path}: ${why}`, {
    hint: `set ${VARIABLE} to a directory (or file) this user can create and write, in directories no other user can write`,
    ...(cause === undefined ? {} : { cause }),
  })

/**
 * Creates `dir` (0700) and refuses it when it is not a writable directory, or (`trust`) not a
 * trusted one. The file form leaves trust to each read, as it always did.
 */
const checkDir = async (dir: string, shown: string, trust: boolean): Promise<void> => {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    if (trust) await resolveTrustedPath(dir, { what: 'disk cache directory', hint: '', expect: 'directory' })
    await access(dir, constants.W_OK | constants.X_OK)
  } catch (e) {
    if (isAgentError(e)) throw startError(shown, e.message, e)
    throw startError(shown, `cannot be created or written (${reasonOf(e)})`, e)
  }
}

const entries = async (dir: string): Promise<{ name: string; dir: boolean; file: boolean }[]> =>
  (await readdir(dir, { withFileTypes: true }).catch(() => [])).map((d) => ({
    name: d.name,
    dir: d.isDirectory(),
    file: d.isFile(),
  }))

/** The `<identity>/<environment>.age.json` files under `dir` that match the (partial) pin. */
const findCacheFiles = async (dir: string, pin: Partial<CacheLineage>): Promise<string[]> => {
  const found: string[] = []
  for (const identity of await entries(dir)) {
    if (!identity.dir || !isPathSegment(identity.name)) continue
    if (pin.identity !== undefined && identity.name !== pin.identity) continue
    for (const file of await entries(join(dir, identity.name))) {
      const environment = file.name.slice(0, -SUFFIX.length)
      if (!file.file || !file.name.endsWith(SUFFIX) || !isPathSegment(environment)) continue
      if (pin.environment !== undefined && environment !== pin.environment) continue
      found.push(join(dir, identity.name, file.name))
    }
  }
  return found
}

/** Creates the {@link CacheLocation} of `path`. Does no I/O until `prepare`. */
export const createCacheLocation = ({
  path,
  lineage = {},
  logger = noopLogger,
}: CacheLocationOptions): CacheLocation => {
  let form: 'file' | 'dir' | undefined
  const caches = new Map<string, DiskCache>()
  const cacheAt = (file: string): DiskCache => {
    const known = caches.get(file) ?? createDiskCache({ path: file })
    caches.set(file, known)
    return known
  }
  // The directory form's current file: the one read at start, then the last one written.
  let current: string | undefined
  const fileOf = (l: CacheLineage): string => {
    if (!isPathSegment(l.identity) || !isPathSegment(l.environment))
      throw new AgentError(
        ErrorCode.Internal,
        `disk cache: ${l.identity}/${l.environment} is not a safe path in ${path}`,
      )
    return join(path, l.identity, `${l.environment}${SUFFIX}`)
  }
  const ready = (): 'file' | 'dir' => {
    if (form === undefined) throw new AgentError(ErrorCode.Internal, 'disk cache used before prepare()')
    return form
  }

  const cache: DiskCache = {
    get path() {
      return ready() === 'file' ? path : (current ?? path)
    },
    read: async () =>
      ready() === 'file' ? cacheAt(path).read() : current === undefined ? undefined : cacheAt(current).read(),
    write: async (text, l) => {
      if (ready() === 'file') return cacheAt(path).write(text)
      if (l === undefined)
        throw new AgentError(ErrorCode.Internal, 'disk cache: a directory cache needs the lineage')
      const file = fileOf(l)
      await cacheAt(file).write(text)
      current = file
    },
    clear: async () => {
      if (ready() === 'file') return cacheAt(path).clear()
      if (current !== undefined) await cacheAt(current).clear()
    },
  }

  const prepare = async (): Promise<void> => {
    const isDir =
      path.endsWith('/') ||
      (await stat(path).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    if (!isDir) {
      await checkDir(dirname(path), path, false)
      form = 'file'
      return
    }
    await checkDir(path, path, true)
    form = 'dir'
    const { identity, environment } = lineage
    if (identity !== undefined && environment !== undefined) {
      current = fileOf({ identity, environment })
      return
    }
    const found = await findCacheFiles(path, lineage)
    if (found.length === 1) current = found[0]
    else if (found.length > 1) {
      logger.warn('several disk cache files and no pinned lineage: none is read at start', {
        path,
        files: found.length,
        hint: 'set CLEF_AGENT_IDENTITY and CLEF_AGENT_ENVIRONMENT to pick one',
      })
    }
    if (current !== undefined) logger.debug('disk cache file found', { path: current })
  }

  return {
    prepare,
    cache,
    marksPath: () => (ready() === 'file' ? `${path}.hwm` : join(path, DIR_MARKS_NAME)),
  }
}
