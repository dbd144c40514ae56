// The directory a generated token goes into. Whoever can replace a file there chooses the token
// every local client sends, so the directory must be one no other user controls: the default one
// is the agent's very own (created 0700 without `recursive`, never adopted from someone else), and
// a configured one must pass the trusted-file rule.
import { chmod, lstat, mkdir } from 'node:fs/promises'
import {
  AgentError,
  EMPTY_DIR_FIX,
  effectiveUid,
  ErrorCode,
  octalMode,
  resolveTrustedPath,
} from '@clef-sh/errors'

/** Options of {@link prepareTokenDir}. */
export interface TokenDirOptions {
  /** The default path (`$XDG_RUNTIME_DIR/clef-agent`, `<tmpdir>/clef-agent-<uid>`): the agent's own. */
  isDefault: boolean
  /** CLEF_AGENT_TOKEN_GROUP_READABLE: the group may enter the directory (0750 instead of 0700). */
  groupReadable: boolean
}

/** S_ISVTX: in a sticky directory only a file's owner may rename or remove it. */
const STICKY = 0o1000

const isCode = (e: unknown, code: string): boolean =>
  typeof e === 'object' && e !== null && 'code' in e && e.code === code

const ELSEWHERE =
  'set CLEF_AGENT_TOKEN_FILE to a file in a directory only this user can write, or set CLEF_AGENT_TOKEN'

/** The fix goes into the message too: the daemon's fatal line shows the message alone. */
const refuseDir = (dir: string, why: string, hint: string): AgentError =>
  new AgentError(ErrorCode.ConfigInvalid, `token file directory ${dir} ${why}; ${hint}`, { hint })

/** The default directory: exactly this user's, granting the group at most r-x and others nothing. */
const checkOwnDir = async (dir: string, groupReadable: boolean): Promise<void> => {
  const info = await lstat(dir)
  const uid = effectiveUid()
  if (!info.isDirectory()) throw refuseDir(dir, 'is not a directory', ELSEWHERE)
  if (uid !== undefined && info.uid !== uid) {
    throw refuseDir(dir, `is owned by uid ${info.uid}, not by this agent's user (uid ${uid})`, ELSEWHERE)
  }
  const loose = info.mode & (groupReadable ? 0o7027 : 0o7077)
  if (loose !== 0) {
    const expected = groupReadable ? '0750' : '0700'
    throw refuseDir(
      dir,
      `has mode ${octalMode(info.mode)}; expected ${expected}`,
      `remove it, or ${ELSEWHERE}`,
    )
  }
}

/**
 * True when `dir` was created now. The default directory's parent is the temp or runtime dir: only
 * the last level is made, so an existing directory is never adopted unchecked.
 */
const makeDir = async (dir: string, opts: { recursive: boolean; mode: number }): Promise<boolean> => {
  try {
    if (opts.recursive) return (await mkdir(dir, opts)) !== undefined
    await mkdir(dir, { mode: opts.mode })
    return true
  } catch (e) {
    if (isCode(e, 'EEXIST')) return false
    throw e
  }
}

/**
 * Creates `dir` (mode 0700, or 0750 when group-readable) unless it exists, then checks it. The
 * default directory is created without `recursive` (its parent must exist); a configured one with
 * its parents. The default directory must be owned by this user with no loose bits; a configured one must not be writable by group or others unless sticky, and must pass
 * `resolveTrustedPath`. Rejects with AgentError `config_invalid` naming the directory and
 * suggesting CLEF_AGENT_TOKEN_FILE, or with the fs error of `mkdir` (ENOENT: no parent).
 */
export const prepareTokenDir = async (dir: string, opts: TokenDirOptions): Promise<void> => {
  const mode = opts.groupReadable ? 0o750 : 0o700
  const created = await makeDir(dir, { recursive: !opts.isDefault, mode })
  // mkdir's mode passes through the umask; what we just created is ours to set exactly.
  if (created) await chmod(dir, mode)
  if (opts.isDefault) await checkOwnDir(dir, opts.groupReadable)
  const info = await lstat(dir)
  if (info.isDirectory() && (info.mode & 0o022) !== 0 && (info.mode & STICKY) === 0) {
    const emptyDir = (info.mode & 0o777) === 0o777 ? `; ${EMPTY_DIR_FIX}` : ''
    throw refuseDir(
      dir,
      `has mode ${octalMode(info.mode)}; group and others must not be able to write to it (expected 0700)`,
      `run: chmod 700 ${dir}, or ${ELSEWHERE}${emptyDir}`,
    )
  }
  await resolveTrustedPath(dir, { what: 'token file directory', hint: ELSEWHERE, expect: 'directory' })
}
