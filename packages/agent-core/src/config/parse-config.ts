// The one place the environment becomes an AgentConfig (docs/SPEC.md §8). Pure: no I/O, no process access;
// facts like the temp dir come in as options. Every problem is collected, none is thrown.
import { randomUUID } from 'node:crypto'
import { parseVerifyKey, type VerifyKey } from '@clef-sh/artifact-format'
import { isAgentError } from '@clef-sh/errors'
import {
  createEnvReader,
  readBoolean,
  readChoice,
  readHttpUrl,
  readInteger,
  type EnvReader,
} from './env-reader.ts'
import { checkUnknownVariables } from './known-variables.ts'
import { parseLineage } from './parse-lineage.ts'
import { parseSource } from './parse-source.ts'
import { parseToken } from './parse-token.ts'
import type {
  AgeKeyConfig,
  AgentConfig,
  LogFormat,
  LogLevel,
  ParseConfigOptions,
  ParseConfigResult,
} from './types.ts'

/** Every default of the configuration; `*Seconds` in seconds, `tmpdir`/`uid` name the default token file. */
export const DEFAULTS: {
  readonly port: number
  readonly cacheTtlSeconds: number
  readonly minCacheTtlSeconds: number
  readonly maxSeconds: number
  readonly staleIfErrorSeconds: number
  readonly execRetrySeconds: number
  readonly allowRollback: boolean
  readonly logLevel: LogLevel
  readonly logFormat: LogFormat
  readonly tmpdir: string
  readonly uid: string
} = {
  port: 7779,
  cacheTtlSeconds: 300,
  minCacheTtlSeconds: 30,
  // One year: long enough for any TTL, short enough that ms arithmetic stays exact.
  maxSeconds: 31_536_000,
  staleIfErrorSeconds: 0,
  // Long enough for a source to come back from a restart or a failover, short enough that a
  // container that cannot start says so within a minute.
  execRetrySeconds: 30,
  allowRollback: false,
  logLevel: 'info',
  logFormat: 'json',
  tmpdir: '/tmp',
  uid: 'user',
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']
const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty']
const AGE_KEY_PREFIX = 'AGE-SECRET-KEY-'

const parseAgeKey = (r: EnvReader): AgeKeyConfig | undefined => {
  const value = r.get('CLEF_AGENT_AGE_KEY')
  const path = r.get('CLEF_AGENT_AGE_KEY_FILE')
  if (value !== undefined && path !== undefined) {
    r.issue('CLEF_AGENT_AGE_KEY_FILE', 'cannot be set together with CLEF_AGENT_AGE_KEY; set only one')
    return undefined
  }
  if (path !== undefined) return { kind: 'file', path }
  if (value === undefined) return undefined
  // Never echo the value: it is the private key.
  if (value.startsWith('age1')) {
    r.issue(
      'CLEF_AGENT_AGE_KEY',
      `is a public key (age1…, a recipient); it must be the private key, the ${AGE_KEY_PREFIX}1… line of age-keygen's output`,
    )
    return undefined
  }
  if (!value.startsWith(AGE_KEY_PREFIX)) {
    r.issue('CLEF_AGENT_AGE_KEY', `must start with ${AGE_KEY_PREFIX}`)
    return undefined
  }
  return { kind: 'inline', value }
}

const parseTtlMs = (r: EnvReader): number => {
  const { minCacheTtlSeconds: min, maxSeconds: max } = DEFAULTS
  const what = `seconds, 0 for JIT mode or at least ${min}`
  const seconds = readInteger(r, { name: 'CLEF_AGENT_CACHE_TTL', min: 0, max, what })
  if (seconds === undefined) return DEFAULTS.cacheTtlSeconds * 1000
  if (seconds !== 0 && seconds < min) r.issue('CLEF_AGENT_CACHE_TTL', `must be ${what} (up to ${max})`)
  return seconds * 1000
}

const parseVerify = (r: EnvReader): VerifyKey | undefined => {
  const raw = r.get('CLEF_AGENT_VERIFY_KEY')
  if (raw === undefined) return undefined
  try {
    return parseVerifyKey(raw)
  } catch (e) {
    const why = isAgentError(e) ? `${e.message}; ` : ''
    r.issue('CLEF_AGENT_VERIFY_KEY', `${why}must be a base64 DER SPKI Ed25519 or EC P-256 public key`)
    return undefined
  }
}

const parseAgentId = (r: EnvReader, generate: () => string): string => {
  const id = r.get('CLEF_AGENT_ID')
  if (id === undefined) return generate()
  // The id goes into log lines and telemetry; a control character could forge a log line.
  if (id.length <= 256 && !/\p{Cc}/u.test(id)) return id
  r.issue('CLEF_AGENT_ID', 'must be at most 256 characters without control characters')
  return id
}

const parsePorts = (r: EnvReader): { port: number; probePort: number | undefined } => {
  const port = readInteger(r, { name: 'CLEF_AGENT_PORT', min: 1, max: 65535, what: 'a TCP port' })
  const probePort = readInteger(r, { name: 'CLEF_AGENT_PROBE_PORT', min: 1, max: 65535, what: 'a TCP port' })
  const resolved = port ?? DEFAULTS.port
  if (probePort === resolved) r.issue('CLEF_AGENT_PROBE_PORT', 'must differ from CLEF_AGENT_PORT')
  return { port: resolved, probePort }
}

const parseSeconds = (r: EnvReader, name: string, fallback: number): number =>
  (readInteger(r, { name, min: 0, max: DEFAULTS.maxSeconds, what: 'seconds' }) ?? fallback) * 1000

/**
 * Parses the agent's environment variables (docs/SPEC.md §8) into an {@link AgentConfig}, or returns every
 * issue found (unknown CLEF_AGENT_* names included). Issue messages say what is allowed and never
 * contain the value of the token or the age key. Pure: no I/O (key and token files are read later,
 * at start), and never throws.
 */
export const parseConfig = (
  env: Record<string, string | undefined>,
  opts: ParseConfigOptions = {},
): ParseConfigResult => {
  const r = createEnvReader(env)
  const source = parseSource(r)
  const ageKey = parseAgeKey(r)
  const { port, probePort } = parsePorts(r)
  const cachePath = r.get('CLEF_AGENT_CACHE_PATH')
  const verifyKey = parseVerify(r)
  const telemetryUrl = readHttpUrl(r, 'CLEF_AGENT_TELEMETRY_URL')
  const lineage = parseLineage(r, source)
  const execRetry = readInteger(r, {
    name: 'CLEF_AGENT_EXEC_RETRY_FOR',
    min: 0,
    max: DEFAULTS.maxSeconds,
    what: 'seconds, 0 to fail at once',
  })
  const config: Omit<AgentConfig, 'source'> = {
    ageKey,
    port,
    ...parseToken(r, { tmpdir: opts.tmpdir ?? DEFAULTS.tmpdir, uid: opts.uid ?? DEFAULTS.uid }),
    agentId: parseAgentId(r, opts.randomUUID ?? randomUUID),
    ttlMs: parseTtlMs(r),
    staleIfErrorMs: parseSeconds(r, 'CLEF_AGENT_STALE_IF_ERROR', DEFAULTS.staleIfErrorSeconds),
    allowRollback: readBoolean(r, 'CLEF_AGENT_ALLOW_ROLLBACK', DEFAULTS.allowRollback),
    logLevel: readChoice(r, 'CLEF_AGENT_LOG_LEVEL', { values: LOG_LEVELS, fallback: DEFAULTS.logLevel }),
    logFormat: readChoice(r, 'CLEF_AGENT_LOG_FORMAT', { values: LOG_FORMATS, fallback: DEFAULTS.logFormat }),
    ...(cachePath === undefined ? {} : { cachePath }),
    ...(verifyKey === undefined ? {} : { verifyKey }),
    ...(telemetryUrl === undefined ? {} : { telemetryUrl }),
    ...(probePort === undefined ? {} : { probePort }),
    ...(execRetry === undefined ? {} : { execRetryMs: execRetry * 1000 }),
    ...(Object.keys(lineage).length === 0 ? {} : { lineage }),
  }
  checkUnknownVariables(r, Object.keys(env))
  if (source === undefined || r.issues.length > 0) return { ok: false, issues: r.issues }
  return { ok: true, config: { source, ...config } }
}
