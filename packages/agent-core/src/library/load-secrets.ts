// loadSecrets(): the one-shot read for scripts and build steps: start an agent, read once, stop.
import type { SecretValues } from '@clef-sh/artifact-format'
import type { AgentDeps } from '../agent/types.ts'
import type { AgentConfig } from '../config/types.ts'
import type { AgentOptions } from './agent-options.ts'
import { createAgent } from './create-agent.ts'

/**
 * Loads, checks and decrypts the artifact once and resolves its secrets `{ namespace: { key: value } }`.
 * Nothing keeps running afterwards (the agent is stopped, even on failure). With `cachePath`, a
 * failed fetch falls back to the disk cache. Rejects with the code of what kept the secrets from
 * loading: `config_invalid` for bad options or key, a source code (`source_unreachable`,
 * `source_auth`, `source_not_found`, …), an artifact code (`integrity`, `revoked`, `expired`,
 * `rollback`, …) or a decrypt code (`decrypt`, `kms_unwrap`, …).
 */
export const loadSecrets = async (
  input: AgentConfig | AgentOptions,
  deps: AgentDeps = {},
): Promise<SecretValues> => {
  await using agent = createAgent(input, deps)
  await agent.start()
  return await agent.getAll()
}
