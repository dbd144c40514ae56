// The API bearer token: from the environment, from a token file, or generated once and written
// (mode 0600, or 0640 for a shared group) where local clients can read it. Whoever can plant or
// read the file can call the API, so the file is trusted only as the trusted-file rule allows.
// The token itself is never logged.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { link, open, rename, rm, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import {
  AgentError,
  ErrorCode,
  distrust,
  effectiveUid,
  isAgentError,
  octalMode,
  resolveTrustedPath,
} from '@clef-sh/errors'
import { MIN_TOKEN_LENGTH } from './config/parse-token.ts'
import { prepareTokenDir } from './token-dir.ts'

/** Options of {@link resolveToken}: the token fields of `AgentConfig`. */
export interface ResolveTokenOptions {
  /** CLEF_AGENT_TOKEN; wins when set. At least 16 characters. */
  token?: string | undefined
  /** CLEF_AGENT_TOKEN_FILE (or its default). */
  tokenFile: string
  /** True for the default path: its directory must be this user's own (0700). Default false. */
  tokenFileIsDefault?: boolean | undefined
  /** CLEF_AGENT_TOKEN_GROUP_READABLE: write 0640 and accept a group-readable file. Default false. */
  tokenGroupReadable?: boolean | undefined
}

/** The token and where it came from; `path` is set for `file` and `generated`. */
export interface ResolvedToken {
  /** The token itself: never log it. */
  token: string
  /** `env`: CLEF_AGENT_TOKEN; `file`: read from `path`; `generated`: written to `path` now. */
  origin: 'env' | 'file' | 'generated'
  path?: string
}

interface FileOptions {
  path: string
  isDefault: boolean
  groupReadable: boolean
}

/** A token is a few dozen bytes; anything this large is not a token file. */
const MAX_TOKEN_FILE_BYTES = 4096

const isCode = (e: unknown, code: string): boolean =>
  typeof e === 'object' && e !== null && 'code' in e && e.code === code

const refused = (path: string, why: string, hint: string): AgentError =>
  new AgentError(ErrorCode.ConfigInvalid, `token file ${path} ${why}`, { hint })

const TRUST = {
  what: 'token file',
  hint: 'point CLEF_AGENT_TOKEN_FILE at a file owned by this user or root, in directories no other user can write',
}

/** The access a token file may grant beyond its owner: its group's read bit when opted in. */
const allowedBits = (groupReadable: boolean): number => (groupReadable ? 0o040 : 0)

const modeRefusal = (path: string, mode: number, groupReadable: boolean): AgentError => {
  if (groupReadable) {
    const why = `has mode ${octalMode(mode)}; expected 0640 or 0600 (group may read; no access for others)`
    return refused(path, why, `run: chmod 640 ${path}`)
  }
  const groupOnly = (mode & 0o077) === 0o040
  const why = `has mode ${octalMode(mode)}; expected 0600 (no access for group or others)${
    groupOnly ? '; set CLEF_AGENT_TOKEN_GROUP_READABLE=true if its group is meant to read it' : ''
  }`
  return refused(path, why, `run: chmod 600 ${path}`)
}

/**
 * The trimmed token in `path`, or undefined when the file is missing or empty. The path to it must
 * pass the trusted-file rule (directories and links); a non-empty file must be owned by this user
 * or root and grant group or others nothing beyond `allowedBits`: whoever can read it can call the
 * API, and whoever can write it chooses the token.
 */
const readToken = async (path: string, groupReadable: boolean): Promise<string | undefined> => {
  let handle: FileHandle
  try {
    const real = await resolveTrustedPath(path, { ...TRUST, expect: 'file', checkLast: false })
    // O_NONBLOCK: a FIFO must not hang the start; O_NOFOLLOW: the checked path is the one opened.
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW)
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined
    throw e
  }
  try {
    // fstat on the open handle: the file checked is the file read.
    const info = await handle.stat()
    if (!info.isFile()) throw refused(path, 'is not a regular file', 'point CLEF_AGENT_TOKEN_FILE at a file')
    if (info.size > MAX_TOKEN_FILE_BYTES) {
      throw refused(path, `is larger than ${MAX_TOKEN_FILE_BYTES} bytes`, 'the file must hold only the token')
    }
    const text = (await handle.readFile('utf8')).trim()
    if (text === '') return undefined
    if ((info.mode & 0o077 & ~allowedBits(groupReadable)) !== 0)
      throw modeRefusal(path, info.mode, groupReadable)
    const uid = effectiveUid()
    const why = uid === undefined ? undefined : distrust(info, uid)
    if (why !== undefined) throw refused(path, why, TRUST.hint)
    return text
  } finally {
    await handle.close()
  }
}

const writeTemp = async (path: string, token: string, mode: number): Promise<string> => {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx', mode)
  try {
    // The umask may have taken bits off the group read of 0640; the file is ours to set exactly.
    await handle.chmod(mode)
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
const publish = async (opts: FileOptions, token: string): Promise<ResolvedToken> => {
  const { path, groupReadable } = opts
  await prepareTokenDir(dirname(path), { isDefault: opts.isDefault, groupReadable })
  const temp = await writeTemp(path, token, groupReadable ? 0o640 : 0o600)
  try {
    await link(temp, path)
    return { token, origin: 'generated', path }
  } catch (e) {
    if (!isCode(e, 'EEXIST')) throw e
    const existing = await readToken(path, groupReadable)
    if (existing !== undefined) return { token: existing, origin: 'file', path }
    // An empty file is replaced; rename is atomic, so readers see empty or the full token.
    await rename(temp, path)
    return { token, origin: 'generated', path }
  } finally {
    await rm(temp, { force: true })
  }
}

/**
 * Resolves the API token: `token` when set (at least 16 characters), else
 * the trimmed content of a non-empty `tokenFile`, else 32 random bytes (base64url) written to
 * `tokenFile` with mode 0600 (0640 when `tokenGroupReadable`), creating only its last directory
 * level (0700, or 0750); when another agent wins the race to write it, its token is returned
 * instead. The file, the directories above it and any link on the way must pass the trusted-file
 * rule (`openTrustedFile` of @clef-sh/errors); the default directory must be this user's own with
 * no loose bits. Rejects with AgentError `config_invalid` (naming the variable or the path, never
 * the token) when the token is too short, when the file can be neither read nor written, is not a
 * regular file, is over 4096 bytes, may not be trusted, or is non-empty and grants group or others
 * access beyond the opted-in group read, or when the directory of a token to generate fails.
 */
export const resolveToken = async (opts: ResolveTokenOptions): Promise<ResolvedToken> => {
  if (opts.token !== undefined && opts.token !== '') {
    if (opts.token.length < MIN_TOKEN_LENGTH) {
      throw new AgentError(
        ErrorCode.ConfigInvalid,
        `CLEF_AGENT_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters (it has ${opts.token.length})`,
        { hint: 'generate one with: openssl rand -base64 32' },
      )
    }
    return { token: opts.token, origin: 'env' }
  }
  const file: FileOptions = {
    path: opts.tokenFile,
    isDefault: opts.tokenFileIsDefault ?? false,
    groupReadable: opts.tokenGroupReadable ?? false,
  }
  const { path } = file
  try {
    // The default directory is checked before anything in it is believed.
    if (file.isDefault) await prepareTokenDir(dirname(path), file)
    const existing = await readToken(path, file.groupReadable)
    if (existing !== undefined) return { token: existing, origin: 'file', path }
    return await publish(file, randomBytes(32).toString('base64url'))
  } catch (e) {
    if (isAgentError(e)) throw e
    const reason = isCode(e, 'EACCES')
      ? 'permission denied'
      : isCode(e, 'ENOENT')
        ? `directory ${dirname(dirname(path))} does not exist (the default token directory is made only inside an existing one)`
        : e instanceof Error
          ? e.message
          : String(e)
    throw new AgentError(ErrorCode.ConfigInvalid, `token file ${path}: ${reason}`, {
      cause: e,
      hint: 'set CLEF_AGENT_TOKEN_FILE to a writable path or CLEF_AGENT_TOKEN',
    })
  }
}
