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
export { createAgent } from './agent/create-agent.ts'
export type { Agent, AgentDeps, RefreshEvent, Timers } from './agent/types.ts'
export { BACKOFF_START_MS, JIT_INTERVAL_MS, MAX_TIMER_MS, MIN_INTERVAL_MS } from './agent/schedule.ts'
