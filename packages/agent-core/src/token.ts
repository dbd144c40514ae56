// The API bearer token: from the environment, from a token file, or generated once and written
// (mode 0600) where local clients can read it. The token itself is never logged.
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** Options of {@link resolveToken}. */
export interface ResolveTokenOptions {
  /** CLEF_AGENT_TOKEN; wins when set. */
  token?: string | undefined
  /** CLEF_AGENT_TOKEN_FILE (or its default). */
  tokenFile: string
}

/** The token and where it came from; `path` is set for `file` and `generated`. */
export interface ResolvedToken {
  token: string
  origin: 'env' | 'file' | 'generated'
  path?: string
}

const isCode = (e: unknown, code: string): boolean =>
  typeof e === 'object' && e !== null && 'code' in e && e.code === code

const readToken = async (path: string): Promise<string | undefined> => {
  try {
    const text = (await readFile(path, 'utf8')).trim()
    return text === '' ? undefined : text
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined
    throw e
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
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
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
 * else 32 random bytes (base64url) written to `tokenFile` with mode 0600 (its dir created 0700).
 * Throws AgentError `config_invalid` when the file can be neither read nor written.
 */
export const resolveToken = async (opts: ResolveTokenOptions): Promise<ResolvedToken> => {
  if (opts.token !== undefined && opts.token !== '') return { token: opts.token, origin: 'env' }
  const path = opts.tokenFile
  try {
    const existing = await readToken(path)
    if (existing !== undefined) return { token: existing, origin: 'file', path }
    return await publish(path, randomBytes(32).toString('base64url'))
  } catch (e) {
    const reason = isCode(e, 'EACCES') ? 'permission denied' : e instanceof Error ? e.message : String(e)
    throw new AgentError(ErrorCode.ConfigInvalid, `token file ${path}: ${reason}`, {
      cause: e,
      hint: 'set CLEF_AGENT_TOKEN_FILE to a writable path or CLEF_AGENT_TOKEN',
    })
  }
}
