// The one way the age v1 decoder fails: AgentError `decrypt` with a fixed reason, so no input byte
// and no key material can ever reach a message.
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** Throws AgentError `decrypt` with the message `age decryption failed: <reason>` (a fixed text). */
export const ageFailure: (reason: string) => never = (reason) => {
  throw new AgentError(ErrorCode.Decrypt, `age decryption failed: ${reason}`)
}
