// Resolves the configured age identity at start: inline, or read from a key file (comments and
// blank lines allowed). The key file decides what the agent decrypts and serves, so it must pass
// the trusted-file rule. The key never appears in an error or a log line.
import { parseAgeKeyFile } from '@clef-sh/decrypt'
import { AgentError, ErrorCode, isAgentError, readTrustedFile } from '@clef-sh/errors'
import type { AgeKeyConfig } from '../config/types.ts'

const reasonOf = (e: unknown): string => {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : undefined
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory'
  return code ?? 'unreadable'
}

/** An age key file holds a line or two of comments and one key; anything larger is not one. */
const MAX_KEY_FILE_BYTES = 64 * 1024

const TRUST = {
  what: 'age key file',
  hint: 'CLEF_AGENT_AGE_KEY_FILE must name a file owned by this user or root, in directories no other user can write (a mounted Secret is fine)',
}

/**
 * The age identity string, or undefined when none is configured (KMS envelope mode).
 * Throws AgentError `config_invalid` when the key file is missing, unreadable, has no key line,
 * or fails the trusted-file rule (`readTrustedFile`: owner, writers, links; over 64 KiB).
 */
export const loadAgeIdentity = async (ageKey: AgeKeyConfig | undefined): Promise<string | undefined> => {
  if (ageKey === undefined) return undefined
  if (ageKey.kind === 'inline') return ageKey.value
  let text: string | undefined
  try {
    text = await readTrustedFile(ageKey.path, { ...TRUST, maxBytes: MAX_KEY_FILE_BYTES })
  } catch (e) {
    if (isAgentError(e)) throw e
    throw new AgentError(ErrorCode.ConfigInvalid, `age key file ${ageKey.path}: ${reasonOf(e)}`, {
      cause: e,
      hint: 'check CLEF_AGENT_AGE_KEY_FILE',
    })
  }
  if (text === undefined) {
    throw new AgentError(ErrorCode.ConfigInvalid, `age key file ${ageKey.path}: no such file`, {
      hint: 'check CLEF_AGENT_AGE_KEY_FILE',
    })
  }
  try {
    return parseAgeKeyFile(text)
  } catch {
    throw new AgentError(
      ErrorCode.ConfigInvalid,
      `age key file ${ageKey.path}: no AGE-SECRET-KEY- line found`,
      {
        hint: 'the file must contain an age identity, such as the output of age-keygen',
      },
    )
  }
}
