// The API bearer token: from the environment, from a token file, or generated once and written
// (mode 0600) where local clients can read it. The token itself is never logged.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { link, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { AgentError, ErrorCode, isAgentError } from '@clef-sh/errors'

/** Options of {@link resolveToken}. */
export interface ResolveTokenOptions {
  /** CLEF_AGENT_TOKEN; wins when set. */
  token?: string | undefined
  /** CLEF_AGENT_TOKEN_FILE (or its default). */
  tokenFile: string
}

/** The token and where it came from; `path` is set for `file` and `generated`. */
export interface ResolvedToken {
  /** The token itself: never log it. */
  token: string
  /** `env`: CLEF_AGENT_TOKEN; `file`: read from `path`; `generated`: written to `path` now. */
  origin: 'env' | 'file' | 'generated'
  path?: string
}

/** A token is a few dozen bytes; anything this large is not a token file. */
const MAX_TOKEN_FILE_BYTES = 4096

/** S_ISVTX: in a sticky directory only a file's owner may rename or remove it. */
const STICKY = 0o1000

const isCode = (e: unknown, code: string): boolean =>
  typeof e === 'object' && e !== null && 'code' in e && e.code === code

const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`

const refused = (path: string, why: string, hint: string): AgentError =>
  new AgentError(ErrorCode.ConfigInvalid, `token file ${path} ${why}`, { hint })

/**
 * The trimmed token in `path`, or undefined when the file is missing or empty. A non-empty file
 * that group or others may access is refused: whoever can read it can call the API.
 */
const readToken = async (path: string): Promise<string | undefined> => {
  let handle: FileHandle
  try {
    // O_NONBLOCK: a FIFO at the path must not hang the start; it is refused below instead.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined
    throw e
  }
  try {
    // fstat on the open handle: the file checked is the file read, even if the path is swapped.
    const info = await handle.stat()
    if (!info.isFile()) throw refused(path, 'is not a regular file', 'point CLEF_AGENT_TOKEN_FILE at a file')
    if (info.size > MAX_TOKEN_FILE_BYTES) {
      throw refused(path, `is larger than ${MAX_TOKEN_FILE_BYTES} bytes`, 'the file must hold only the token')
    }
    const text = (await handle.readFile('utf8')).trim()
    if (text === '') return undefined
    if ((info.mode & 0o077) !== 0) {
      const why = `has mode ${octal(info.mode)}; expected 0600 (no access for group or others)`
      throw refused(path, why, `run: chmod 600 ${path}`)
    }
    return text
  } finally {
    await handle.close()
  }
}

/**
 * Creates the token's directory 0700. A directory that already existed must not let group or
 * others replace the token file (writable without the sticky bit), e.g. one squatted in /tmp.
 */
const prepareDir = async (dir: string): Promise<void> => {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const info = await stat(dir)
  if ((info.mode & 0o022) !== 0 && (info.mode & STICKY) === 0) {
    throw new AgentError(
      ErrorCode.ConfigInvalid,
      `token file directory ${dir} has mode ${octal(info.mode)}; group and others must not be able to write to it (expected 0700)`,
      { hint: `run: chmod 700 ${dir}, or set CLEF_AGENT_TOKEN_FILE elsewhere` },
    )
  }
}

const writeTemp = async (path: string, token: string): Promise<string> => {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx', 0o600)
  try {
    await handle.writeFile(`${token}\n`, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  return temp
}

/**
 * Publishes the token without ever exposing a half-written file. `link` refuses to replace an
 * existing file, so when two agents start at once both end up with the first one's token.
 */
const publish = async (path: string, token: string): Promise<ResolvedToken> => {
  await prepareDir(dirname(path))
  const temp = await writeTemp(path, token)
  try {
    await link(temp, path)
    return { token, origin: 'generated', path }
  } catch (e) {
    if (!isCode(e, 'EEXIST')) throw e
    const existing = await readToken(path)
    if (existing !== undefined) return { token: existing, origin: 'file', path }
    // An empty file is replaced; rename is atomic, so readers see empty or the full token.
    await rename(temp, path)
    return { token, origin: 'generated', path }
  } finally {
    await rm(temp, { force: true })
  }
}

/**
 * Resolves the API token: `token` when set, else the trimmed content of a non-empty `tokenFile`,
 * else 32 random bytes (base64url) written to `tokenFile` with mode 0600 (its dir created 0700);
 * when another agent wins the race to write it, its token is returned instead. Rejects with
 * AgentError `config_invalid` (naming the path, never the token) when the file can be neither read
 * nor written, is not a regular file, is over 4096 bytes, or is non-empty and grants group or
 * others any access (`mode & 0o077`), or when the directory of a token to generate is writable by
 * group or others without the sticky bit.
 */
export const resolveToken = async (opts: ResolveTokenOptions): Promise<ResolvedToken> => {
  if (opts.token !== undefined && opts.token !== '') return { token: opts.token, origin: 'env' }
  const path = opts.tokenFile
  try {
    const existing = await readToken(path)
    if (existing !== undefined) return { token: existing, origin: 'file', path }
    return await publish(path, randomBytes(32).toString('base64url'))
  } catch (e) {
    if (isAgentError(e)) throw e
    const reason = isCode(e, 'EACCES') ? 'permission denied' : e instanceof Error ? e.message : String(e)
    throw new AgentError(ErrorCode.ConfigInvalid, `token file ${path}: ${reason}`, {
      cause: e,
      hint: 'set CLEF_AGENT_TOKEN_FILE to a writable path or CLEF_AGENT_TOKEN',
    })
  }
}
