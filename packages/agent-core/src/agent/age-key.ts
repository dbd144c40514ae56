// Resolves the configured age identity at start: inline, or read from a key file (comments and
// blank lines allowed). The key never appears in an error or a log line.
import { readFile } from 'node:fs/promises'
import { parseAgeKeyFile } from '@clef-sh/decrypt'
import { AgentError, ErrorCode } from '@clef-sh/errors'
import type { AgeKeyConfig } from '../config/types.ts'

const reasonOf = (e: unknown): string => {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : undefined
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory'
  return code ?? 'unreadable'
}

/**
 * The age identity string, or undefined when none is configured (KMS envelope mode).
 * Throws AgentError `config_invalid` when the key file is missing, unreadable or has no key line.
 */
export const loadAgeIdentity = async (ageKey: AgeKeyConfig | undefined): Promise<string | undefined> => {
  if (ageKey === undefined) return undefined
  if (ageKey.kind === 'inline') return ageKey.value
  let text: string
  try {
    text = await readFile(ageKey.path, 'utf8')
  } catch (e) {
    throw new AgentError(ErrorCode.ConfigInvalid, `age key file ${ageKey.path}: ${reasonOf(e)}`, {
      cause: e,
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
