// fromEnv(): the one place a program embedding the agent turns its environment into a config, so
// that library code itself never reads process.env.
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { parseConfig } from '../config/parse-config.ts'
import type { AgentConfig, ParseConfigOptions } from '../config/types.ts'
import { formatIssues } from './agent-options.ts'

/**
 * Parses the standard CLEF_AGENT_* variables (pass `process.env`) into a config that `createAgent`
 * and `loadSecrets` accept. Does no I/O. Throws AgentError `config_invalid` listing every issue
 * (the variable and what is allowed; never a value).
 */
export const fromEnv = (
  env: Record<string, string | undefined>,
  opts: ParseConfigOptions = {},
): AgentConfig => {
  const result = parseConfig(env, opts)
  if (!result.ok)
    throw new AgentError(ErrorCode.ConfigInvalid, `invalid configuration: ${formatIssues(result.issues)}`)
  return result.config
}
