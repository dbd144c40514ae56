/**
 * The agent itself, for embedding in a Node process: `createAgent`, `fromEnv` and `loadSecrets`,
 * plus the configuration parser and token handling the daemon shares. Fetches, checks and decrypts
 * a Clef artifact, keeps it fresh, and holds the plaintext in memory only.
 *
 * @packageDocumentation
 * @module @clef-sh/agent-core
 */
// The errors every rejection carries, so users test `code` without depending on an internal package.
export { AgentError, ErrorCode, isAgentError, isErrorCode } from '@clef-sh/errors'
export type { AgentErrorOptions, Logger, LogFields } from '@clef-sh/errors'
export { DEFAULTS, parseConfig } from './config/parse-config.ts'
export { KNOWN_VARIABLES } from './config/known-variables.ts'
export type {
  AgeKeyConfig,
  AgentConfig,
  ConfigIssue,
  LogFormat,
  LogLevel,
  ParseConfigOptions,
  ParseConfigResult,
} from './config/types.ts'
export { resolveToken } from './token.ts'
export type { ResolvedToken, ResolveTokenOptions } from './token.ts'
export { createAgent, isAgentConfig } from './library/create-agent.ts'
export type { EmbeddedAgent } from './library/create-agent.ts'
export { resolveAgentOptions } from './library/agent-options.ts'
export type { AgentOptions, ResolvedAgentOptions } from './library/agent-options.ts'
export { fromEnv } from './library/from-env.ts'
export { loadSecrets } from './library/load-secrets.ts'
export type { Agent, AgentDeps, AgentEvents, RefreshEvent, TelemetryDeps, Timers } from './agent/types.ts'
export type { AgentFailure, AgentServing, AgentStatus, ReadyState } from './agent/serving.ts'
export type { SecretsSnapshot, SecretValues } from '@clef-sh/artifact-format'
export { BACKOFF_START_MS, JIT_INTERVAL_MS, MAX_TIMER_MS, MIN_INTERVAL_MS } from './agent/schedule.ts'
