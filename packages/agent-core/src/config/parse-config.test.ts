import { describe, expect, it } from 'vitest'
import { vector } from '@clef-sh/testing'
import { DEFAULTS, parseConfig } from './parse-config.ts'
import type { AgentConfig, ConfigIssue } from './types.ts'

const AGE_KEY = vector('age-basic').ageKey ?? ''
const ED25519_SPKI = vector('ed25519-signed').verifyKey ?? ''
const TOKEN = 'tok_super-secret-value-123'
const BASE = { CLEF_AGENT_SOURCE: '/etc/clef/artifact.json' }
const OPTS = { tmpdir: '/tmp', uid: 1000, randomUUID: () => 'generated-id' }

const parse = (env: Record<string, string | undefined>) => parseConfig(env, OPTS)

const okConfig = (env: Record<string, string | undefined>): AgentConfig => {
  const result = parse(env)
  if (!result.ok) throw new Error(`unexpected issues: ${JSON.stringify(result.issues)}`)
  return result.config
}

const issuesOf = (env: Record<string, string | undefined>): ConfigIssue[] => {
  const result = parse(env)
  if (result.ok) throw new Error('expected issues')
  return result.issues
}

describe('parseConfig: defaults', () => {
  it('fills every default from a minimal environment', () => {
    expect(okConfig(BASE)).toEqual({
      source: { kind: 'file', path: '/etc/clef/artifact.json' },
      ageKey: undefined,
      port: 7779,
      token: undefined,
      tokenFile: '/tmp/clef-agent-1000/token',
      tokenFileIsDefault: true,
      tokenGroupReadable: false,
      agentId: 'generated-id',
      ttlMs: 300_000,
      staleIfErrorMs: 0,
      allowRollback: false,
      logLevel: 'info',
      logFormat: 'json',
    })
    expect(DEFAULTS.port).toBe(7779)
  })

  it('stays usable without options (no process access)', () => {
    const result = parseConfig(BASE)
    expect(result.ok && result.config.tokenFile).toBe('/tmp/clef-agent-user/token')
    expect(result.ok && result.config.agentId).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('parseConfig: accepted values', () => {
  const cases: [string, Record<string, string>, Partial<AgentConfig>][] = [
    [
      'file:// URL',
      { CLEF_AGENT_SOURCE: 'file:///var/lib/a.json' },
      { source: { kind: 'file', path: '/var/lib/a.json' } },
    ],
    ['relative path', { CLEF_AGENT_SOURCE: './a.json' }, { source: { kind: 'file', path: './a.json' } }],
    [
      'https URL',
      { CLEF_AGENT_SOURCE: 'https://cdn.example.com/a.json' },
      { source: { kind: 'http', url: 'https://cdn.example.com/a.json' } },
    ],
    [
      'http URL',
      { CLEF_AGENT_SOURCE: 'HTTP://127.0.0.1:8080/a.json' },
      { source: { kind: 'http', url: 'HTTP://127.0.0.1:8080/a.json' } },
    ],
    [
      'inline age key',
      { CLEF_AGENT_AGE_KEY: `  ${AGE_KEY}\n` },
      { ageKey: { kind: 'inline', value: AGE_KEY } },
    ],
    [
      'age key file',
      { CLEF_AGENT_AGE_KEY_FILE: '/run/secrets/age' },
      { ageKey: { kind: 'file', path: '/run/secrets/age' } },
    ],
    ['port', { CLEF_AGENT_PORT: '8080' }, { port: 8080 }],
    ['probe port', { CLEF_AGENT_PROBE_PORT: '9090' }, { probePort: 9090 }],
    ['token', { CLEF_AGENT_TOKEN: TOKEN }, { token: TOKEN }],
    ['token file', { CLEF_AGENT_TOKEN_FILE: '/run/t' }, { tokenFile: '/run/t' }],
    [
      'a given token file is not the default',
      { CLEF_AGENT_TOKEN_FILE: '/run/t' },
      { tokenFileIsDefault: false },
    ],
    ['token group-readable', { CLEF_AGENT_TOKEN_GROUP_READABLE: 'true' }, { tokenGroupReadable: true }],
    [
      'XDG runtime dir',
      { XDG_RUNTIME_DIR: '/run/user/1000' },
      { tokenFile: '/run/user/1000/clef-agent/token' },
    ],
    ['agent id', { CLEF_AGENT_ID: 'pod-7' }, { agentId: 'pod-7' }],
    ['JIT mode', { CLEF_AGENT_CACHE_TTL: '0' }, { ttlMs: 0 }],
    ['minimum TTL', { CLEF_AGENT_CACHE_TTL: '30' }, { ttlMs: 30_000 }],
    [
      'cache path',
      { CLEF_AGENT_CACHE_PATH: '/var/cache/clef/a.json' },
      { cachePath: '/var/cache/clef/a.json' },
    ],
    [
      'telemetry',
      { CLEF_AGENT_TELEMETRY_URL: 'http://otel:4318/v1/logs' },
      { telemetryUrl: new URL('http://otel:4318/v1/logs') },
    ],
    ['stale-if-error', { CLEF_AGENT_STALE_IF_ERROR: '120' }, { staleIfErrorMs: 120_000 }],
    ['exec retry', { CLEF_AGENT_EXEC_RETRY_FOR: '90' }, { execRetryMs: 90_000 }],
    ['exec retry off', { CLEF_AGENT_EXEC_RETRY_FOR: '0' }, { execRetryMs: 0 }],
    ['rollback true', { CLEF_AGENT_ALLOW_ROLLBACK: 'TRUE' }, { allowRollback: true }],
    ['rollback 1', { CLEF_AGENT_ALLOW_ROLLBACK: '1' }, { allowRollback: true }],
    ['rollback 0', { CLEF_AGENT_ALLOW_ROLLBACK: '0' }, { allowRollback: false }],
    ['log level', { CLEF_AGENT_LOG_LEVEL: 'DEBUG' }, { logLevel: 'debug' }],
    ['log format', { CLEF_AGENT_LOG_FORMAT: 'pretty' }, { logFormat: 'pretty' }],
    [
      'empty value counts as unset',
      { CLEF_AGENT_PORT: '', CLEF_AGENT_TOKEN: ' ' },
      { port: 7779, token: undefined },
    ],
    ['other variables are ignored', { PATH: '/bin', CLEF_OTHER: 'x' }, { port: 7779 }],
  ]
  it.each(cases)('%s', (_name, env, expected) => {
    expect(okConfig({ ...BASE, ...env })).toMatchObject(expected)
  })

  it('parses the verify key into a key object', () => {
    expect(okConfig({ ...BASE, CLEF_AGENT_VERIFY_KEY: ED25519_SPKI }).verifyKey?.type).toBe('ed25519')
  })
})

describe('parseConfig: issues', () => {
  const cases: [string, Record<string, string | undefined>, string, RegExp][] = [
    ['no source', { CLEF_AGENT_SOURCE: undefined }, 'CLEF_AGENT_SOURCE', /required.*file path.*http.*VCS/],
    [
      'unknown scheme',
      { CLEF_AGENT_SOURCE: 'ftp://host/a.json' },
      'CLEF_AGENT_SOURCE',
      /unsupported scheme ftp/,
    ],
    [
      'file URL with host',
      { CLEF_AGENT_SOURCE: 'file://remote/a.json' },
      'CLEF_AGENT_SOURCE',
      /file:\/\/ URL/,
    ],
    ['broken http URL', { CLEF_AGENT_SOURCE: 'http://exa mple/a' }, 'CLEF_AGENT_SOURCE', /not a valid URL/],
    [
      'bad age key',
      { CLEF_AGENT_AGE_KEY: 'not-a-key' },
      'CLEF_AGENT_AGE_KEY',
      /must start with AGE-SECRET-KEY-/,
    ],
    [
      'both age keys',
      { CLEF_AGENT_AGE_KEY: AGE_KEY, CLEF_AGENT_AGE_KEY_FILE: '/k' },
      'CLEF_AGENT_AGE_KEY_FILE',
      /only one/,
    ],
    ['port 0', { CLEF_AGENT_PORT: '0' }, 'CLEF_AGENT_PORT', /integer from 1 to 65535/],
    ['port too big', { CLEF_AGENT_PORT: '65536' }, 'CLEF_AGENT_PORT', /integer from 1 to 65535/],
    ['port not a number', { CLEF_AGENT_PORT: '80a' }, 'CLEF_AGENT_PORT', /integer/],
    ['probe port equals port', { CLEF_AGENT_PROBE_PORT: '7779' }, 'CLEF_AGENT_PROBE_PORT', /differ/],
    ['TTL below 30', { CLEF_AGENT_CACHE_TTL: '10' }, 'CLEF_AGENT_CACHE_TTL', /0 for JIT mode or at least 30/],
    ['TTL negative', { CLEF_AGENT_CACHE_TTL: '-1' }, 'CLEF_AGENT_CACHE_TTL', /0 for JIT mode or at least 30/],
    ['TTL fractional', { CLEF_AGENT_CACHE_TTL: '30.5' }, 'CLEF_AGENT_CACHE_TTL', /integer/],
    [
      'age key is a public key',
      { CLEF_AGENT_AGE_KEY: 'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq' },
      'CLEF_AGENT_AGE_KEY',
      /is a public key \(age1…, a recipient\); it must be the private key, the AGE-SECRET-KEY-1… line/,
    ],
    ['stale-if-error text', { CLEF_AGENT_STALE_IF_ERROR: 'soon' }, 'CLEF_AGENT_STALE_IF_ERROR', /seconds/],
    ['exec retry text', { CLEF_AGENT_EXEC_RETRY_FOR: '30s' }, 'CLEF_AGENT_EXEC_RETRY_FOR', /seconds/],
    ['bad boolean', { CLEF_AGENT_ALLOW_ROLLBACK: 'yes' }, 'CLEF_AGENT_ALLOW_ROLLBACK', /true, false, 1 or 0/],
    ['bad log level', { CLEF_AGENT_LOG_LEVEL: 'trace' }, 'CLEF_AGENT_LOG_LEVEL', /debug, info, warn, error/],
    ['bad log format', { CLEF_AGENT_LOG_FORMAT: 'xml' }, 'CLEF_AGENT_LOG_FORMAT', /json, pretty/],
    ['bad verify key', { CLEF_AGENT_VERIFY_KEY: 'bm90IGEga2V5' }, 'CLEF_AGENT_VERIFY_KEY', /base64 DER SPKI/],
    ['telemetry not http', { CLEF_AGENT_TELEMETRY_URL: 'udp://x' }, 'CLEF_AGENT_TELEMETRY_URL', /http/],
    [
      'telemetry userinfo escape',
      { CLEF_AGENT_TELEMETRY_URL: 'https://u:%zz@otel:4318' },
      'CLEF_AGENT_TELEMETRY_URL',
      /malformed %-escape/,
    ],
    ['agent id control char', { CLEF_AGENT_ID: 'a\nb' }, 'CLEF_AGENT_ID', /control characters/],
    [
      'token shorter than 16',
      { CLEF_AGENT_TOKEN: 'fifteen-chars-x' },
      'CLEF_AGENT_TOKEN',
      /^must be at least 16 characters \(it has 15\)/,
    ],
    [
      'bad group-readable flag',
      { CLEF_AGENT_TOKEN_GROUP_READABLE: 'group' },
      'CLEF_AGENT_TOKEN_GROUP_READABLE',
      /true, false, 1 or 0/,
    ],
    ['typo', { CLEF_AGENT_CACHE_TLL: '60' }, 'CLEF_AGENT_CACHE_TLL', /did you mean CLEF_AGENT_CACHE_TTL\?/],
    [
      'unknown, nothing close',
      { CLEF_AGENT_FROBNICATE: '1' },
      'CLEF_AGENT_FROBNICATE',
      /^is not a known clef-agent variable$/,
    ],
  ]
  it.each(cases)('%s', (...[, env, variable, message]) => {
    const issues = issuesOf({ ...BASE, ...env })
    expect(issues).toHaveLength(1)
    expect(issues[0]?.variable).toBe(variable)
    expect(issues[0]?.message).toMatch(message)
  })

  it('collects every problem at once', () => {
    const issues = issuesOf({
      CLEF_AGENT_PORT: 'x',
      CLEF_AGENT_CACHE_TTL: '5',
      CLEF_AGENT_LOG_LEVEL: 'loud',
      CLEF_AGENT_TOKN: 'x',
    })
    expect(issues.map((i) => i.variable).sort()).toEqual([
      'CLEF_AGENT_CACHE_TTL',
      'CLEF_AGENT_LOG_LEVEL',
      'CLEF_AGENT_PORT',
      'CLEF_AGENT_SOURCE',
      'CLEF_AGENT_TOKN',
    ])
  })

  it('never puts a secret value into an issue', () => {
    const badKey = 'age-secret-key-1lowercasedsecretmaterial'
    const vcsToken = 'ghp_vcsTokenValue'
    const issues = issuesOf({
      CLEF_AGENT_SOURCE: 'https://user:p4ssw0rd@exa mple.com/a.json',
      CLEF_AGENT_AGE_KEY: badKey,
      CLEF_AGENT_TOKEN: TOKEN,
      CLEF_AGENT_TOKEN_FIEL: TOKEN,
      CLEF_AGENT_VCS_TOKEN: vcsToken,
      CLEF_AGENT_TELEMETRY_URL: 'ftp://user:t3lemetry@host',
    })
    expect(issues.length).toBeGreaterThanOrEqual(4)
    const text = JSON.stringify(issues)
    for (const secret of [badKey, TOKEN, vcsToken, 'p4ssw0rd', 't3lemetry'])
      expect(text).not.toContain(secret)
  })
})
