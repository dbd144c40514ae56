// age key files (as written by age-keygen) carry comment lines around the key; the agent accepts
// the file as-is and takes the first key line (docs/SPEC.md §2).
import { AgentError, ErrorCode } from '@clef-sh/errors'

const KEY_PREFIX = 'AGE-SECRET-KEY-'

/**
 * Returns the first line of `text` that, trimmed, starts with `AGE-SECRET-KEY-` (trimmed).
 * Comments and blank lines are skipped. Throws AgentError `config_invalid` when there is none; the
 * message never contains the file's content.
 */
export const parseAgeKeyFile = (text: string): string => {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line.startsWith(KEY_PREFIX)) return line
  }
  throw new AgentError(ErrorCode.ConfigInvalid, 'age key file: no AGE-SECRET-KEY- line found', {
    hint: 'the file must contain an age identity such as the output of age-keygen',
  })
}
