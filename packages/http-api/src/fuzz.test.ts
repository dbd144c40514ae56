// Fuzzes the request surface (method, path, Host, Authorization, other headers) in-process through
// app.request and over a real socket: every answer is a 2xx or a JSON error, never a 500, and
// secret values only go to a request with the right token and Host. `CLEF_FUZZ_RUNS=n` runs longer;
// a failure prints its seed (fixed unless `CLEF_FUZZ_SEED` is set) and the shrunk request.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, serveApi, type RunningApi } from './index.ts'
import { TOKEN } from './testing/api-cases.ts'
import { createFakeReader, SAMPLE_VALUES } from './testing/fake-reader.ts'
import { rawRequest, sendRaw } from '@clef-sh/testing'

const LONG_RUNS = Number(process.env['CLEF_FUZZ_RUNS'] ?? 0)
const SEED = Number(process.env['CLEF_FUZZ_SEED'] ?? 0x5eed)
const runs = (short: number): fc.Parameters<unknown> => ({ numRuns: LONG_RUNS || short, seed: SEED })
/** Per-test time limit: generous in CI, an hour in long mode. */
const TIMEOUT_MS = LONG_RUNS > 0 ? 3_600_000 : 30_000

const PORT = 7779
const VALUES = Object.values(SAMPLE_VALUES).flatMap((ns) => Object.values(ns))
const ROUTES = [
  '/v1/secrets',
  '/v1/secrets/',
  '/v1/keys',
  '/v1/health',
  '/v1/ready',
  '/v1/metrics',
  '/v1/refresh',
  '/',
]
const PIECES = [
  '/',
  '..',
  '.',
  '%2e',
  '%2F',
  '%2f',
  '%25',
  '%00',
  '%C3%A9',
  '%',
  '?',
  '#',
  ';',
  '\\',
  'API_KEY',
  'app__DB_URL',
  'web__a%2Fb',
  '//',
]
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'get', 'BREW']
const method: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('GET') },
  { weight: 2, arbitrary: fc.constantFrom(...METHODS) },
)

/** A Host line's value: allowed ones, near misses and noise. */
const hostValue = (port: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(`127.0.0.1:${port}`, `localhost:${port}`, '127.0.0.1', 'localhost', 'LOCALHOST'),
    fc.constantFrom(
      'localhost.',
      '[::1]',
      '0x7f.1',
      `127.0.0.1:${port + 1}`,
      'evil.com',
      `u@localhost:${port}`,
      '',
    ),
    fc.string({ maxLength: 30 }),
  )
const authValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    `Bearer ${TOKEN}`,
    `bearer ${TOKEN}`,
    `Bearer ${TOKEN.slice(0, -1)}`,
    `Bearer ${TOKEN}x`,
    'Bearer ',
    '',
  ),
  fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
  fc.string({ maxLength: 40 }),
)
// Mostly the secrets routes, where a wrong answer leaks; then routes plus tricky pieces.
const target = (port: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(
      '/v1/secrets',
      '/v1/keys',
      '/v1/secrets/API_KEY',
      `http://127.0.0.1:${port}/v1/secrets`,
      'http://evil.com/v1/secrets',
    ),
    fc
      .tuple(
        fc.constantFrom(...ROUTES),
        fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 8 })), { maxLength: 5 }),
      )
      .map(([route, pieces]) => route + pieces.join('')),
  )

const isAllowedHost = (host: string | undefined, port: number): boolean =>
  host !== undefined &&
  ['127.0.0.1', 'localhost', `127.0.0.1:${port}`, `localhost:${port}`].includes(host.toLowerCase())
const isRightToken = (auth: string | undefined): boolean =>
  auth !== undefined && auth.slice(0, 7).toLowerCase() === 'bearer ' && auth.slice(7) === TOKEN

/** The invariants of every answer: a 2xx, or a JSON error that is not a 500 and leaks nothing. */
const checkAnswer = (
  answer: { status: number; type: string | undefined; body: string },
  mayReadSecrets: boolean,
): void => {
  expect(answer.status).toBeGreaterThanOrEqual(200)
  expect(answer.status).not.toBe(500)
  if (answer.status >= 300 && answer.body !== '') {
    expect(answer.type).toBe('application/json')
    const json = JSON.parse(answer.body) as unknown
    expect(json).toEqual({
      error: expect.any(String) as unknown,
      code: expect.stringMatching(/^[a-z_]+$/) as unknown,
    })
  }
  expect(answer.body).not.toMatch(/\n\s+at /)
  expect(answer.body).not.toContain(TOKEN)
  if (!mayReadSecrets) for (const value of VALUES) expect(answer.body).not.toContain(value)
}

describe('fuzz: request surface through app.request', () => {
  const app = createApp(createFakeReader().reader, { token: TOKEN, port: PORT })

  it(
    'answers a 2xx or a JSON error, and secrets only with the right token and Host',
    async () => {
      const request = fc.record({
        method: fc.oneof(method, fc.stringMatching(/^[A-Z]{1,8}$/)),
        path: target(PORT).filter((t) => t.startsWith('/')),
        host: fc.option(hostValue(PORT), { nil: undefined }),
        auth: fc.option(authValue, { nil: undefined }),
        extra: fc.dictionary(fc.stringMatching(/^[a-z][a-z-]{0,10}$/), fc.string({ maxLength: 20 }), {
          maxKeys: 3,
        }),
      })
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const headers: Record<string, string> = { ...r.extra }
          if (r.host !== undefined) headers['host'] = r.host
          if (r.auth !== undefined) headers['authorization'] = r.auth
          let req: Request
          try {
            req = new Request(`http://localhost${r.path.startsWith('/') ? '' : '/'}${r.path}`, {
              method: r.method,
              headers,
            })
          } catch {
            return // not a request a client could send (bad method or header value)
          }
          const res = await app.request(req)
          const body = await res.text()
          const sent = {
            host: req.headers.get('host') ?? undefined,
            auth: req.headers.get('authorization') ?? undefined,
          }
          const mayRead = isAllowedHost(sent.host, PORT) && isRightToken(sent.auth)
          checkAnswer(
            { status: res.status, type: res.headers.get('content-type') ?? undefined, body },
            mayRead,
          )
          expect(res.headers.get('cache-control')).toBe('no-store')
        }),
        runs(1000),
      )
    },
    TIMEOUT_MS,
  )
})

/** One raw request over the socket: header lines as sent, so duplicates and odd bytes survive. */
interface RawCase {
  method: string
  target: string
  lines: [string, string][]
}

const headerLine = (port: number): fc.Arbitrary<[string, string]> =>
  fc.oneof(
    { weight: 3, arbitrary: hostValue(port).map((v): [string, string] => ['Host', v]) },
    { weight: 3, arbitrary: authValue.map((v): [string, string] => ['Authorization', v]) },
    fc.tuple(
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/),
      fc.string({ unit: 'binary-ascii', maxLength: 30 }),
    ),
    fc.constantFrom<[string, string]>(
      ['Expect', '100-continue'],
      ['Content-Length', '0'],
      ['Upgrade', 'websocket'],
    ),
  )

/** Inserts `line` into `lines` at `at` (modulo), or leaves them when `line` is undefined. */
const insert = (
  lines: [string, string][],
  line: [string, string] | undefined,
  at: number,
): [string, string][] =>
  line === undefined
    ? lines
    : [...lines.slice(0, at % (lines.length + 1)), line, ...lines.slice(at % (lines.length + 1))]

// Usually the right Host and token, placed among other lines (a second Host, a second token, noise).
const headerLines = (port: number): fc.Arbitrary<[string, string][]> =>
  fc
    .tuple(
      fc.option(fc.constant<[string, string]>(['Host', `127.0.0.1:${port}`]), { nil: undefined, freq: 4 }),
      fc.option(fc.constant<[string, string]>(['Authorization', `Bearer ${TOKEN}`]), {
        nil: undefined,
        freq: 4,
      }),
      fc.array(headerLine(port), { maxLength: 4 }),
      fc.nat(),
      fc.nat(),
    )
    .map(([host, auth, lines, i, j]) => insert(insert(lines, host, i), auth, j))

const rawCase = (port: number): fc.Arbitrary<RawCase> =>
  fc.record({
    method,
    target: fc.oneof(
      { weight: 4, arbitrary: target(port) },
      {
        weight: 1,
        arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }).map((s) => s.replaceAll(' ', '')),
      },
    ),
    lines: headerLines(port),
  })

// What the server sees: node trims whitespace around header values; CR or LF would end the line.
const sanitize = (value: string): string => value.replace(/[\r\n]/g, '')
const valuesOf = (c: RawCase, name: string): string[] =>
  c.lines.filter(([n]) => n.toLowerCase() === name).map(([, v]) => sanitize(v).trim())

const mayReadSecrets = (c: RawCase, port: number): boolean => {
  const hosts = valuesOf(c, 'host')
  const auths = valuesOf(c, 'authorization')
  return hosts.length === 1 && isAllowedHost(hosts[0], port) && auths.length === 1 && isRightToken(auths[0])
}

describe('fuzz: request surface over a real socket', () => {
  let api: RunningApi
  beforeAll(async () => {
    const limits = { headersTimeoutMs: 1000, requestTimeoutMs: 1000 }
    api = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0, limits })
  })
  afterAll(() => api.close())

  it(
    'answers a 2xx or a JSON error, and secrets only with the right token and a single good Host',
    async () => {
      await fc.assert(
        fc.asyncProperty(rawCase(api.port), async (c) => {
          const lines = c.lines.map(([n, v]): [string, string] => [n, sanitize(v)])
          const sent: RawCase = { ...c, lines }
          const text = rawRequest(
            c.target,
            lines.map(([n, v]) => `${n}: ${v}`),
            c.method,
          )
          const res = await sendRaw(api.port, Buffer.from(text, 'latin1'))
          // node closes an `Upgrade` it has no handler for without answering; nothing else may be silent.
          if (res.status === 0) expect(lines.some(([n]) => n.toLowerCase() === 'upgrade')).toBe(true)
          else
            checkAnswer(
              { status: res.status, type: res.headers['content-type'], body: res.body },
              mayReadSecrets(sent, api.port),
            )
        }),
        runs(300),
      )
      const health = await sendRaw(api.port, rawRequest('/v1/health', [`Host: localhost:${api.port}`]))
      expect(health.status).toBe(200)
    },
    TIMEOUT_MS,
  )
})
