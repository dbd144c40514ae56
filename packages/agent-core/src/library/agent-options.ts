// Typed options for embedding the agent: the same settings as the CLEF_AGENT_* variables, named
// like a library's, plus the injectable fetch, logger, clock and AbortSignal. Validated by the very
// rules of parseConfig, so an option and its variable can never disagree.
import type { KmsResolver } from '@clef-sh/decrypt'
import { AgentError, ErrorCode, type Logger } from '@clef-sh/errors'
import type { SourceConfig } from '@clef-sh/sources'
import type { AgentDeps } from '../agent/types.ts'
import { didYouMean } from '../config/did-you-mean.ts'
import { parseConfig } from '../config/parse-config.ts'
import { resolveLineage } from '../config/parse-lineage.ts'
import type { AgentConfig, ConfigIssue } from '../config/types.ts'

/** Options of `createAgent` and `loadSecrets` for programs that embed the agent. */
export interface AgentOptions {
  /** A file path, `file://`, `http(s)://` or S3 URL (like CLEF_AGENT_SOURCE), or a parsed source. */
  source: string | SourceConfig
  /** The age identity `AGE-SECRET-KEY-…` (CLEF_AGENT_AGE_KEY). Not with `ageKeyFile`. */
  ageKey?: string
  /** A file holding the age identity (CLEF_AGENT_AGE_KEY_FILE). */
  ageKeyFile?: string
  /** Cache TTL in seconds: 0 is JIT mode, otherwise at least 30. Default 300. */
  cacheTtl?: number
  /** Disk cache of the last good (still encrypted) artifact. */
  cachePath?: string
  /** base64 DER SPKI Ed25519 or EC P-256 key that every artifact must be signed with. */
  verifyKey?: string
  /** Seconds past the TTL that last-good secrets may be served during a transient failure. Default 0. */
  staleIfError?: number
  /** Accept an artifact older than the newest one seen. Default false. */
  allowRollback?: boolean
  /**
   * Pin the artifact's identity (CLEF_AGENT_IDENTITY): another one is refused `lineage_mismatch`
   * before decryption. A VCS source implies it.
   */
  identity?: string
  /** Pin the artifact's environment (CLEF_AGENT_ENVIRONMENT), like `identity`. */
  environment?: string
  /** OTLP/HTTP JSON logs endpoint for telemetry events. */
  telemetryUrl?: string | URL
  /** Agent id in logs and telemetry. Default a random UUID. */
  agentId?: string
  /** Where the agent reports. Default: drop everything. */
  logger?: Logger
  /** The fetch of HTTP-based sources. Default the global fetch. */
  fetch?: typeof fetch
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number
  /** Resolves KMS adapters for envelope artifacts. Default: AWS, SDK loaded lazily. */
  kms?: KmsResolver
  /** Aborting it stops the agent, like `agent.stop('aborted')`. */
  signal?: AbortSignal
}

/** What {@link resolveAgentOptions} produces: the config and collaborators of the core agent. */
export interface ResolvedAgentOptions {
  config: AgentConfig
  /** `logger`, `fetch`, `now` and `kms` from the options, when given. */
  deps: AgentDeps
}

const VARIABLES = {
  source: 'CLEF_AGENT_SOURCE',
  ageKey: 'CLEF_AGENT_AGE_KEY',
  ageKeyFile: 'CLEF_AGENT_AGE_KEY_FILE',
  cacheTtl: 'CLEF_AGENT_CACHE_TTL',
  cachePath: 'CLEF_AGENT_CACHE_PATH',
  verifyKey: 'CLEF_AGENT_VERIFY_KEY',
  staleIfError: 'CLEF_AGENT_STALE_IF_ERROR',
  allowRollback: 'CLEF_AGENT_ALLOW_ROLLBACK',
  identity: 'CLEF_AGENT_IDENTITY',
  environment: 'CLEF_AGENT_ENVIRONMENT',
  telemetryUrl: 'CLEF_AGENT_TELEMETRY_URL',
  agentId: 'CLEF_AGENT_ID',
} as const satisfies Partial<Record<keyof AgentOptions, string>>

// Every key of AgentOptions: JavaScript callers get no type check, and a misspelt option
// (`ageKeyfile`) would otherwise fall back to a default without a word.
const OPTION_NAMES: readonly (keyof AgentOptions)[] = [
  ...(Object.keys(VARIABLES) as (keyof typeof VARIABLES)[]),
  'logger',
  'fetch',
  'now',
  'kms',
  'signal',
] satisfies readonly (keyof AgentOptions)[]
const KNOWN_OPTIONS = new Set<string>(OPTION_NAMES)

const unknownOptions = (options: AgentOptions): ConfigIssue[] =>
  Object.keys(options)
    .filter((name) => !KNOWN_OPTIONS.has(name))
    .map((name) => ({ variable: name, message: `is not a known option${didYouMean(name, OPTION_NAMES)}` }))

// A parsed source skips the string rules; this stand-in satisfies them and is then replaced.
const PLACEHOLDER_SOURCE = 'placeholder.json'

const toEnv = (options: AgentOptions): Record<string, string | undefined> => {
  const env: Record<string, string | undefined> = {}
  for (const [option, variable] of Object.entries(VARIABLES)) {
    const value = options[option as keyof typeof VARIABLES]
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      env[variable] = String(value)
    else if (value instanceof URL) env[variable] = value.href
  }
  if (typeof options.source !== 'string') env[VARIABLES.source] = PLACEHOLDER_SOURCE
  return env
}

/** Joins issues into one line; issue messages never contain a secret (parseConfig's contract). */
export const formatIssues = (issues: readonly ConfigIssue[]): string =>
  issues.map((i) => `${i.variable} ${i.message}`).join('; ')

const optionName = (variable: string): string =>
  Object.entries(VARIABLES).find(([, v]) => v === variable)?.[0] ?? variable

/**
 * Validates `options` with the rules of the environment variables and returns the core config and
 * deps. Pure: no I/O (the age key file is read at `start()`). A parsed `SourceConfig` is taken as
 * is (createAgent's source construction checks it). Throws AgentError `config_invalid` naming every
 * bad option, an unknown option name included (with the closest known one); the message never
 * holds a key.
 */
export const resolveAgentOptions = (options: AgentOptions): ResolvedAgentOptions => {
  const result = parseConfig(toEnv(options))
  const named = (issues: readonly ConfigIssue[]): ConfigIssue[] =>
    issues.map((i) => ({ ...i, variable: optionName(i.variable) }))
  const invalid = (issues: readonly ConfigIssue[]): AgentError =>
    new AgentError(ErrorCode.ConfigInvalid, `invalid agent options: ${formatIssues(issues)}`)
  const unknown = unknownOptions(options)
  if (!result.ok || unknown.length > 0) {
    throw invalid([...(result.ok ? [] : named(result.issues)), ...unknown])
  }
  const source = typeof options.source === 'string' ? result.config.source : options.source
  // A parsed VCS source was not seen by parseConfig (it had the placeholder): merge its pin here.
  const { pin, issues } = resolveLineage(result.config.lineage ?? {}, source)
  if (issues.length > 0) throw invalid(named(issues))
  const lineage = Object.keys(pin).length === 0 ? {} : { lineage: pin }
  const deps: AgentDeps = {
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.kms === undefined ? {} : { kms: options.kms }),
  }
  return { config: { ...result.config, source, ...lineage }, deps }
}
