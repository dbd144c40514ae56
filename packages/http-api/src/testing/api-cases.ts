// The request/answer table of docs/SPEC.md §7 that every way of reaching the API must satisfy.
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { expect } from 'vitest'
import { SAMPLE_HEALTH, SAMPLE_VALUES, type FakeReaderState } from './fake-reader.ts'

/** The bearer token every target is started with. */
export const TOKEN = 'test-token-5f1c0d9e'

/** One request and what must come back. */
export interface ApiCase {
  name: string
  method?: string
  path: string
  /** Host header: default `127.0.0.1:<port>`; null sends none. */
  host?: string | ((port: number) => string) | null
  /** Authorization header: default `Bearer <TOKEN>`; null sends none. */
  auth?: string | null
  state?: Partial<FakeReaderState>
  status: number
  json?: unknown
  text?: string
  headers?: Record<string, string>
  /** Must not appear anywhere in the body. */
  hidden?: string
}

type More = Omit<ApiCase, 'name' | 'path' | 'status'>
type Expected = More & { status: number }
const get = (name: string, path: string, expected: Expected): ApiCase => ({ name, path, ...expected })
/** An error answer: `{ error: <any message>, code }`. */
const code = (status: number, c: string, more: More = {}): Expected => ({
  status,
  json: { error: expect.any(String) as unknown, code: c },
  ...more,
})
/** A 200 `{ key, value }` answer. */
const secret = (key: string, value: string, more: More = {}): Expected => ({
  status: 200,
  json: { key, value },
  ...more,
})
const failing = (e: unknown, async = false): More => ({ state: { secretsError: e, async } })
const agentError = (c: ErrorCode, message: string): AgentError => new AgentError(c, message)
const INTERNAL: More = { json: { error: 'internal error', code: 'internal' }, hidden: 'hunter2' }
const SERVED: More = { text: JSON.stringify(SAMPLE_VALUES) }
const JSON_TYPE = { 'content-type': 'application/json' }
const FORBIDDEN = code(403, 'forbidden_host', { hidden: 'postgres' })
const POST: More = { method: 'POST' }
const unauthorized = (name: string, auth: string | null, path = '/v1/secrets'): ApiCase =>
  get(
    name,
    path,
    code(401, 'unauthorized', { auth, headers: { 'www-authenticate': 'Bearer' }, hidden: 'postgres' }),
  )

const HOST_CASES: ApiCase[] = [
  get('host 127.0.0.1', '/v1/secrets', { status: 200, host: '127.0.0.1', ...SERVED }),
  get('host localhost', '/v1/secrets', { status: 200, host: 'localhost', ...SERVED }),
  get('host 127.0.0.1:port', '/v1/secrets', { status: 200, host: (p) => `127.0.0.1:${p}`, ...SERVED }),
  get('host localhost:port', '/v1/secrets', { status: 200, host: (p) => `localhost:${p}`, ...SERVED }),
  get('host LOCALHOST:port', '/v1/health', { status: 200, host: (p) => `LOCALHOST:${p}` }),
  get('host evil.com on secrets', '/v1/secrets', { ...FORBIDDEN, host: 'evil.com' }),
  get('host evil.com on a key', '/v1/secrets/app__DB_URL', { ...FORBIDDEN, host: 'evil.com' }),
  get('host evil.com on keys', '/v1/keys', { ...FORBIDDEN, host: 'evil.com' }),
  get('host evil.com on health', '/v1/health', { ...FORBIDDEN, host: 'evil.com' }),
  get('host evil.com on ready', '/v1/ready', { ...FORBIDDEN, host: 'evil.com' }),
  get('host evil.com on metrics', '/v1/metrics', { ...FORBIDDEN, host: 'evil.com' }),
  get('host evil.com on refresh', '/v1/refresh', { ...FORBIDDEN, ...POST, host: 'evil.com' }),
  get('host evil.com on an unknown path', '/nope', { ...FORBIDDEN, host: 'evil.com' }),
  get('host with another port', '/v1/secrets', { ...FORBIDDEN, host: (p) => `127.0.0.1:${p + 1}` }),
  get('host localhost.evil.com', '/v1/health', { ...FORBIDDEN, host: 'localhost.evil.com' }),
  get('host missing', '/v1/secrets', { ...FORBIDDEN, host: null }),
  get('host missing on health', '/v1/health', { ...FORBIDDEN, host: null }),
]

const AUTH_CASES: ApiCase[] = [
  unauthorized('auth missing', null),
  unauthorized('auth wrong token', 'Bearer not-the-token'),
  unauthorized('auth token prefix', `Bearer ${TOKEN.slice(0, -1)}`),
  unauthorized('auth token plus suffix', `Bearer ${TOKEN}x`),
  unauthorized('auth wrong scheme', `Basic ${TOKEN}`),
  unauthorized('auth scheme only', 'Bearer '),
  unauthorized('auth bare token', TOKEN),
  unauthorized('auth on keys', null, '/v1/keys'),
  unauthorized('auth on a key', null, '/v1/secrets/app__DB_URL'),
  { ...unauthorized('auth on refresh', null, '/v1/refresh'), ...POST },
  get('auth scheme is case-insensitive', '/v1/secrets', { status: 200, auth: `bearer ${TOKEN}`, ...SERVED }),
]

const KEYS = [
  'app__DB_URL',
  'app__API_KEY',
  'app__SHARED',
  'web__svc.v2-x',
  'web__clé',
  'web__a/b',
  'web__my key',
]
const DB_URL = 'postgres://db.internal/app'

const ROUTE_CASES: ApiCase[] = [
  get('health', '/v1/health', { status: 200, auth: null, json: SAMPLE_HEALTH, headers: JSON_TYPE }),
  get('ready', '/v1/ready', { status: 200, auth: null, json: { ready: true }, headers: JSON_TYPE }),
  get('not ready', '/v1/ready', {
    status: 503,
    auth: null,
    state: { ready: { ready: false, reason: 'not_loaded' } },
    json: { ready: false, reason: 'not_loaded' },
  }),
  get('secrets (sync)', '/v1/secrets', { status: 200, ...SERVED, headers: JSON_TYPE }),
  get('secrets (async)', '/v1/secrets', {
    status: 200,
    state: { async: true },
    ...SERVED,
    headers: JSON_TYPE,
  }),
  get('secrets ignore the query', '/v1/secrets?x=1', { status: 200, ...SERVED }),
  get('keys', '/v1/keys', { status: 200, json: [...KEYS, 'web__SHARED'], headers: JSON_TYPE }),
  get('keys (async)', '/v1/keys', { status: 200, state: { async: true }, json: [...KEYS, 'web__SHARED'] }),
  get('flat key', '/v1/secrets/app__DB_URL', secret('app__DB_URL', DB_URL, { headers: JSON_TYPE })),
  get(
    'flat key (async)',
    '/v1/secrets/app__API_KEY',
    secret('app__API_KEY', 'k-123', { state: { async: true } }),
  ),
  get('bare unique key', '/v1/secrets/API_KEY', secret('API_KEY', 'k-123')),
  get('bare ambiguous key', '/v1/secrets/SHARED', code(409, 'key_ambiguous', { hidden: 'from-' })),
  get('flat name of an ambiguous key', '/v1/secrets/web__SHARED', secret('web__SHARED', 'from-web')),
  get('unknown key', '/v1/secrets/NOPE', code(404, 'key_not_found')),
  get('unknown key (async)', '/v1/secrets/NOPE', code(404, 'key_not_found', { state: { async: true } })),
  get('key with dots and dashes', '/v1/secrets/web__svc.v2-x', secret('web__svc.v2-x', 'dotted')),
  get('unicode key, percent-encoded', '/v1/secrets/web__cl%C3%A9', secret('web__clé', 'välue ✓')),
  get('bare unicode key', '/v1/secrets/cl%C3%A9', secret('clé', 'välue ✓')),
  get('encoded underscores', '/v1/secrets/app%5F%5FDB_URL', secret('app__DB_URL', DB_URL)),
  get('encoded slash in a key', '/v1/secrets/web__a%2Fb', secret('web__a/b', 'slashed')),
  get('encoded space in a key', '/v1/secrets/web__my%20key', secret('web__my key', 'spaced')),
  get('invalid escape is not a key', '/v1/secrets/%E0%A4%A', { status: 404 }),
  get('dot-dot is not a key', '/v1/secrets/..', code(404, 'not_found')),
  get('encoded dot-dot is not a key', '/v1/secrets/%2e%2e', code(404, 'not_found')),
  get('trailing slash', '/v1/secrets/', code(404, 'not_found')),
  get('nested key path', '/v1/secrets/a/b', code(404, 'not_found')),
  get('unknown route', '/v1/nope', code(404, 'not_found', { headers: JSON_TYPE })),
  get('root', '/', code(404, 'not_found')),
  get('HEAD secrets', '/v1/secrets', { status: 200, method: 'HEAD', text: '' }),
  get(
    'POST secrets',
    '/v1/secrets',
    code(405, 'method_not_allowed', { ...POST, headers: { allow: 'GET, HEAD' } }),
  ),
  get('DELETE a key', '/v1/secrets/API_KEY', code(405, 'method_not_allowed', { method: 'DELETE' })),
  get('GET refresh', '/v1/refresh', code(405, 'method_not_allowed', { headers: { allow: 'POST' } })),
  get('refresh', '/v1/refresh', {
    status: 200,
    ...POST,
    json: { revision: '2-bbbbbbbb' },
    headers: JSON_TYPE,
  }),
  get('refresh without a revision', '/v1/refresh', {
    status: 200,
    ...POST,
    state: { refresh: { revision: null } },
    json: { revision: null },
  }),
  get('refresh failure', '/v1/refresh', {
    status: 503,
    ...POST,
    state: { refresh: agentError(ErrorCode.SourceUnreachable, 'origin down') },
    json: { error: 'origin down', code: 'source_unreachable' },
  }),
  get('refresh internal failure', '/v1/refresh', {
    status: 500,
    ...POST,
    state: { refresh: new Error('boom hunter2') },
    ...INTERNAL,
  }),
  get('metrics', '/v1/metrics', {
    status: 200,
    auth: null,
    text: '# TYPE clef_agent_up gauge\nclef_agent_up 1\n',
    headers: { 'content-type': 'text/plain; version=0.0.4' },
  }),
]

const ERROR_CASES: ApiCase[] = [
  get('not loaded', '/v1/secrets', {
    status: 503,
    ...failing(agentError(ErrorCode.NotLoaded, 'secrets not loaded yet')),
    json: { error: 'secrets not loaded yet', code: 'not_loaded' },
  }),
  get('cache expired on keys', '/v1/keys', {
    status: 503,
    ...failing(agentError(ErrorCode.CacheExpired, 'stale')),
    json: { error: 'stale', code: 'cache_expired' },
  }),
  get('kms failure (async)', '/v1/secrets/API_KEY', {
    status: 503,
    ...failing(agentError(ErrorCode.KmsUnwrap, 'kms said no'), true),
    json: { error: 'kms said no', code: 'kms_unwrap' },
  }),
  get('decrypt failure (async)', '/v1/secrets', {
    status: 503,
    ...failing(agentError(ErrorCode.Decrypt, 'bad key'), true),
    json: { error: 'bad key', code: 'decrypt' },
  }),
  get('plain error (sync)', '/v1/secrets', {
    status: 500,
    ...failing(new Error('leaked hunter2')),
    ...INTERNAL,
  }),
  get('plain error (async)', '/v1/keys', {
    status: 500,
    ...failing(new TypeError('leaked hunter2'), true),
    ...INTERNAL,
  }),
  get('thrown string', '/v1/secrets', { status: 500, ...failing('hunter2'), ...INTERNAL }),
  get('health failure', '/v1/health', { status: 500, state: { health: new Error('hunter2') }, ...INTERNAL }),
]

/** Every case, in a stable order. */
export const API_CASES: readonly ApiCase[] = [...HOST_CASES, ...AUTH_CASES, ...ROUTE_CASES, ...ERROR_CASES]
