// Resolves the configured age identity at start: inline, or read from a key file (comments and
// blank lines allowed). The key file decides what the agent decrypts and serves, so it must pass
// the trusted-file rule. The key never appears in an error or a log line.
import { createDecryptor, parseAgeKeyFile } from '@clef-sh/decrypt'
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
  } catch (e) {
    // parseAgeKeyFile says what the file holds instead (a public key, nothing), never its content.
    const why = isAgentError(e) ? e.message.replace(/^age key file: /, '') : 'no AGE-SECRET-KEY- line found'
    throw new AgentError(ErrorCode.ConfigInvalid, `age key file ${ageKey.path}: ${why}`, {
      hint:
        (isAgentError(e) ? e.hint : undefined) ??
        'the file must contain an age identity, such as the output of age-keygen',
    })
  }
}

/** `error` led by `variable: `, so a fatal start line names what to change; the hint is kept. */
const naming = (variable: string, error: unknown): unknown =>
  isAgentError(error) && error.code === ErrorCode.ConfigInvalid
    ? new AgentError(error.code, `${variable}: ${error.message}`, {
        cause: error,
        ...(error.hint === undefined ? {} : { hint: error.hint }),
      })
    : error

/**
 * The age identity for `start()`: read (see {@link loadAgeIdentity}) and checked as a key, so that a
 * malformed one fails the start rather than the first decrypt. Throws AgentError `config_invalid`
 * led by the variable at fault: `CLEF_AGENT_AGE_KEY_FILE: age key file ./x: no such file`,
 * `CLEF_AGENT_AGE_KEY: age identity is not a valid …`.
 */
export const startAgeIdentity = async (ageKey: AgeKeyConfig | undefined): Promise<string | undefined> => {
  if (ageKey === undefined) return undefined
  try {
    const identity = await loadAgeIdentity(ageKey)
    // Does no I/O: parses the key (and imports an X25519 one), throwing config_invalid if malformed.
    createDecryptor({ ageIdentity: identity })
    return identity
  } catch (e) {
    throw naming(ageKey.kind === 'file' ? 'CLEF_AGENT_AGE_KEY_FILE' : 'CLEF_AGENT_AGE_KEY', e)
  }
}
