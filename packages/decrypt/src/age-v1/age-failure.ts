// The ways the age v1 decoder fails: AgentError `decrypt` with a fixed reason, so no input byte
// and no key material can ever reach a message. The one exception is public by design: when no
// stanza is addressed to the agent, the hint names the agent's own recipient (its public key), the
// one thing an operator needs to compare with the recipients the artifact was packed for.
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** Throws AgentError `decrypt` with the message `age decryption failed: <reason>` (a fixed text). */
export const ageFailure: (reason: string) => never = (reason) => {
  throw new AgentError(ErrorCode.Decrypt, `age decryption failed: ${reason}`)
}

/** The reason of a file none of whose stanzas is addressed to the agent's identity. */
export const NO_MATCH = "no identity matched any of the file's recipients"

/**
 * AgentError `decrypt` for a file not packed for this agent; the hint names `recipient`, the
 * agent's public key (`age1…`), so it can be compared with the packer's recipients.
 */
export const noMatchingRecipient = (recipient: string | undefined, cause?: unknown): AgentError =>
  new AgentError(ErrorCode.Decrypt, `age decryption failed: ${NO_MATCH}`, {
    cause,
    hint:
      recipient === undefined
        ? "the artifact was packed for other recipients than this agent's age identity"
        : `this agent's age recipient (public key) is ${recipient}; the artifact was packed for others: add it to the recipients of this identity and environment, or give the agent the matching AGE-SECRET-KEY`,
  })
