// age key files (as written by age-keygen) carry comment lines around the key; the agent accepts
// the file as-is and takes the first key line (docs/SPEC.md §2).
import { AgentError, ErrorCode } from '@clef-sh/errors'

const KEY_PREFIX = 'AGE-SECRET-KEY-'
// A recipient (public key): `age1…`, or `age1pq1…` for a hybrid post-quantum one.
const PUBLIC_PREFIX = 'age1'

/**
 * Returns the first line of `text` that, trimmed, starts with `AGE-SECRET-KEY-` (trimmed).
 * Comments and blank lines are skipped. Throws AgentError `config_invalid` when there is none,
 * saying so (`age key file: holds a public key…`) when the file holds a recipient (`age1…`)
 * instead; the message never contains the file's content.
 */
export const parseAgeKeyFile = (text: string): string => {
  let publicKey = false
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line.startsWith(KEY_PREFIX)) return line
    if (line.startsWith(PUBLIC_PREFIX)) publicKey = true
  }
  if (publicKey) {
    throw new AgentError(
      ErrorCode.ConfigInvalid,
      'age key file: holds a public key (age1…, a recipient), not the private key',
      {
        hint: 'the agent needs the private key: the AGE-SECRET-KEY-1… line age-keygen writes (the age1… key is what the artifact is packed for)',
      },
    )
  }
  throw new AgentError(ErrorCode.ConfigInvalid, 'age key file: no AGE-SECRET-KEY- line found', {
    hint: 'the file must contain an age identity such as the output of age-keygen',
  })
}
