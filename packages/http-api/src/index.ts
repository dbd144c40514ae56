/**
 * The loopback HTTP API over an `AgentReader`: `/v1/health`, `/v1/ready`, `/v1/secrets`,
 * `/v1/secrets/:key`, `/v1/keys`, `/v1/metrics`, `/v1/refresh`, with the bearer token, the Host
 * guard and the probe listener.
 *
 * @packageDocumentation
 * @module @clef-sh/http-api
 */
export { createApp } from './app.ts'
export { createAgentReader } from './agent-reader.ts'
export type { ServedAgent, ServedAgentStatus } from './agent-reader.ts'
export { createServedSecrets } from './served-secrets.ts'
export type { ServedValues } from './served-secrets.ts'
export { serveApi } from './serve.ts'
export { STATUS } from './replies.ts'
export type { ApiOptions } from './api-core.ts'
export type { RunningApi, ServeApiOptions } from './serve.ts'
export { DEFAULT_LIMITS } from './server-limits.ts'
export type { ServerLimits } from './server-limits.ts'
export type {
  AgentReader,
  HealthState,
  HealthStatus,
  KeyLookup,
  LastError,
  ReadyStatus,
  ServedSecrets,
} from './reader.ts'
export { createProbeListener, serveProbe } from './probe.ts'
export type { ProbeHealth, RunningProbe, ServeProbeOptions } from './probe.ts'
