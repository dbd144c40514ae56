// The typed configuration of the agent: what parseConfig produces from the environment (docs/SPEC.md §8).
import type { VerifyKey } from '@clef-sh/artifact-format'
import type { SourceConfig } from '@clef-sh/sources'

/** One problem with the environment: the variable and what is allowed. Never contains a secret. */
export interface ConfigIssue {
  /** The variable (or, from `resolveAgentOptions`, the option) at fault. */
  variable: string
  /** What is allowed, e.g. `must be a TCP port: an integer from 1 to 65535`. */
  message: string
}

/** Where the age identity comes from; undefined in KMS envelope mode. */
export type AgeKeyConfig = { kind: 'inline'; value: string } | { kind: 'file'; path: string }

/** CLEF_AGENT_LOG_LEVEL: the least severe level written. Default `info`. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
/** CLEF_AGENT_LOG_FORMAT: JSON lines or human-readable lines. Default `json`. */
export type LogFormat = 'json' | 'pretty'

/**
 * The lineage an agent is pinned to (CLEF_AGENT_IDENTITY / CLEF_AGENT_ENVIRONMENT, implied by a VCS
 * source). An artifact for another identity or environment is refused `lineage_mismatch` before it
 * is decrypted. An unset field pins nothing.
 */
export interface LineagePin {
  identity?: string
  environment?: string
}

/** The agent's configuration, every value typed and defaulted. */
export interface AgentConfig {
  /** CLEF_AGENT_SOURCE or CLEF_AGENT_VCS_*, parsed. */
  source: SourceConfig
  /** The age identity, read at `start()`; undefined in KMS envelope mode. */
  ageKey: AgeKeyConfig | undefined
  /** Port of the API on 127.0.0.1. */
  port: number
  /** The bearer token from CLEF_AGENT_TOKEN; undefined means read or generate `tokenFile`. */
  token: string | undefined
  /** CLEF_AGENT_TOKEN_FILE, else `$XDG_RUNTIME_DIR/clef-agent/token` or `<tmpdir>/clef-agent-<uid>/token`. */
  tokenFile: string
  /**
   * True when `tokenFile` is the default path: its directory is then the agent's own, created
   * 0700 (0750 when group-readable) and refused when it exists with another owner or loose bits.
   */
  tokenFileIsDefault?: boolean
  /** CLEF_AGENT_TOKEN_GROUP_READABLE: the token file's group may read it (written 0640). Default false. */
  tokenGroupReadable?: boolean
  /** CLEF_AGENT_ID, else a random UUID; in logs and telemetry. */
  agentId: string
  /** Cache TTL in ms; 0 is JIT mode. */
  ttlMs: number
  /** Disk cache file for the last good encrypted artifact. */
  cachePath?: string
  /** When set, every artifact must carry a signature that verifies under it. */
  verifyKey?: VerifyKey
  /** OTLP/HTTP JSON logs endpoint; telemetry is off when unset. */
  telemetryUrl?: URL
  /** How long past the TTL last-good secrets may be served during a transient source failure. */
  staleIfErrorMs: number
  /**
   * CLEF_AGENT_EXEC_RETRY_FOR in ms: how long `clef-agent exec` retries a transient failure of
   * the first load before giving up. Unset means `DEFAULTS.execRetrySeconds`; 0 fails at once.
   */
  execRetryMs?: number
  /** Second listener on all interfaces with only health, ready and metrics. */
  probePort?: number
  /** The pinned identity and environment; absent or empty pins nothing. */
  lineage?: LineagePin
  /** Accept an artifact older than the newest one seen (rollback protection off). Default false. */
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
