// The one rule about what a shell may print of an error: an AgentError's message (ours, written
// never to carry a secret), Node's own text of a system error (code, syscall, path, address), and
// for anything else only its class name, since a foreign message may quote a value.
import { isAgentError } from '@clef-sh/errors'

const isSystemError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error &&
  typeof (e as NodeJS.ErrnoException).code === 'string' &&
  typeof (e as NodeJS.ErrnoException).syscall === 'string'

/** The printable message of anything thrown: never a secret, whatever threw it. */
export const messageOf = (e: unknown): string => {
  if (isAgentError(e) || isSystemError(e)) return e.message
  return e instanceof Error ? `internal error (${e.name})` : 'internal error'
}

/** The stable code of anything thrown: the AgentError's, else `internal`. */
export const codeOf = (e: unknown): string => (isAgentError(e) ? e.code : 'internal')

/** `code: message (hint)` for one-line reports. */
export const describeError = (e: unknown): string => {
  const hint = isAgentError(e) && e.hint !== undefined ? ` (${e.hint})` : ''
  return `${codeOf(e)}: ${messageOf(e)}${hint}`
}
