// What every command does first: read the configuration from the environment, or stop with exit
// code 1. Fatal lines are log lines in the configured format (JSON unless
// CLEF_AGENT_LOG_FORMAT=pretty) on stderr; usage mistakes stay one plain line for the human typing.
import { tmpdir } from 'node:os'
import { parseConfig, type AgentConfig, type ConfigIssue, type LogFormat } from '@clef-sh/agent-core'
import { AgentError, ErrorCode, isAgentError } from '@clef-sh/errors'
import { createLogger, logFormatOf } from './logger.ts'
import { codeOf, messageOf } from './safe-message.ts'

export { logFormatOf } from './logger.ts'

/** The one form of a configuration problem: `config_invalid` naming every variable, never a value. */
export const configError = (issues: readonly ConfigIssue[]): AgentError =>
  new AgentError(
    ErrorCode.ConfigInvalid,
    `invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`,
    { hint: 'see the README for every variable' },
  )

/** Writes `error` as one error-level log line in `format` on stderr and exits 1. */
export const fatal = (format: LogFormat, error: unknown): never => {
  const logger = createLogger({ level: 'error', format, write: (l) => process.stderr.write(l) })
  const hint = isAgentError(error) ? error.hint : undefined
  // The code leads the message too, so the plain-text reading stays `code: message`.
  logger.error(`${codeOf(error)}: ${messageOf(error)}`, { code: codeOf(error), hint })
  process.exit(1)
}

/** A usage mistake (unknown command or option): `clef-agent: <line>` on stderr, exit 1. */
export const usageError = (line: string): never => {
  process.stderr.write(`clef-agent: ${line}\n`)
  process.exit(1)
}

/** The parsed configuration; on any issue a fatal `config_invalid` line naming them all, exit 1. */
export const configOrExit = (env: NodeJS.ProcessEnv): AgentConfig => {
  const parsed = parseConfig(env, { tmpdir: tmpdir(), uid: process.getuid?.() ?? 'user' })
  return parsed.ok ? parsed.config : fatal(logFormatOf(env), configError(parsed.issues))
}
