// The typed configuration of the agent: what parseConfig produces from the environment (SPEC §8).
import type { VerifyKey } from '@clef-sh/artifact-format'
import type { SourceConfig } from '@clef-sh/sources'

/** One problem with the environment: the variable and what is allowed. Never contains a secret. */
export interface ConfigIssue {
  variable: string
  message: string
}

/** Where the age identity comes from; undefined in KMS envelope mode. */
export type AgeKeyConfig = { kind: 'inline'; value: string } | { kind: 'file'; path: string }

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFormat = 'json' | 'pretty'

/** The agent's configuration, every value typed and defaulted. */
export interface AgentConfig {
  source: SourceConfig
  ageKey: AgeKeyConfig | undefined
  /** Port of the API on 127.0.0.1. */
  port: number
  /** The bearer token from CLEF_AGENT_TOKEN; undefined means read or generate `tokenFile`. */
  token: string | undefined
  tokenFile: string
  agentId: string
  /** Cache TTL in ms; 0 is JIT mode. */
  ttlMs: number
  /** Disk cache file for the last good encrypted artifact. */
  cachePath?: string
  verifyKey?: VerifyKey
  telemetryUrl?: URL
  /** How long past the TTL last-good secrets may be served during a transient source failure. */
  staleIfErrorMs: number
  /** Second listener on all interfaces with only health, ready and metrics. */
  probePort?: number
  allowRollback: boolean
  logLevel: LogLevel
  logFormat: LogFormat
}

/** Facts from outside the environment that parseConfig needs, passed in so it stays pure. */
export interface ParseConfigOptions {
  /** The OS temp dir (default `/tmp`), for the default token file. */
  tmpdir?: string
  /** The user id (default `user`), for the default token file. */
  uid?: number | string
  /** Generates the agent id when CLEF_AGENT_ID is unset (default `crypto.randomUUID`). */
  randomUUID?: () => string
}

/** Result of parseConfig: the config, or every issue found. */
export type ParseConfigResult = { ok: true; config: AgentConfig } | { ok: false; issues: ConfigIssue[] }
