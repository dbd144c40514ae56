// The local API under attack, over real sockets: Host guard bypasses (DNS rebinding), auth
// bypasses, path tricks on /v1/secrets/:key, oversized headers and slow clients. Every case names
// the exact status (and code) the agent must answer.
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveApi, type RunningApi } from './index.ts'
import { TOKEN } from './testing/api-cases.ts'
import { createFakeReader, SAMPLE_VALUES } from './testing/fake-reader.ts'
import { openIdle, rawRequest, sendRaw, type RawResponse } from '@clef-sh/testing'

interface AttackCase {
  name: string
  /** Request target as sent on the request line. */
  target: string
  /** Header lines; `{port}` and `{token}` are filled in. */
  headers: readonly string[]
  method?: string
  /** Whole request text instead of target/headers (same placeholders). */
  raw?: string
  status: number
  /** `code` of the JSON error body. */
  code?: string
  /** Exact body of a 200. */
  body?: string
}

const HOST = 'Host: 127.0.0.1:{port}'
const AUTH = 'Authorization: Bearer {token}'
const OK = [HOST, AUTH]
const ALL = JSON.stringify(SAMPLE_VALUES)
const API_KEY = JSON.stringify({ key: 'API_KEY', value: 'k-123' })
const VALUES = Object.values(SAMPLE_VALUES).flatMap((ns) => Object.values(ns))

type Outcome = Pick<AttackCase, 'status' | 'code' | 'body'>
const served = (body = ALL): Outcome => ({ status: 200, body })
const refused = (status: number, code: string): Outcome => ({ status, code })
const FORBIDDEN = refused(403, 'forbidden_host')
const UNAUTHORIZED = refused(401, 'unauthorized')
const NOT_FOUND = refused(404, 'not_found')
const KEY_NOT_FOUND = refused(404, 'key_not_found')

/** A case from its name, `[target, ...header lines]` and the outcome. */
const at = (
  name: string,
  [target, ...headers]: readonly [string, ...string[]],
  outcome: Outcome,
): AttackCase => ({
  name,
  target,
  headers,
  ...outcome,
})
const host = (name: string, value: string, outcome: Outcome = FORBIDDEN): AttackCase =>
  at(`Host ${name}`, ['/v1/secrets', `Host: ${value}`, AUTH], outcome)
const auth = (name: string, value: string, outcome: Outcome = UNAUTHORIZED): AttackCase =>
  at(`auth ${name}`, ['/v1/secrets', HOST, `Authorization: ${value}`], outcome)
const path = (name: string, target: string, outcome: Outcome): AttackCase =>
  at(`path ${name}`, [target, ...OK], outcome)

const HOST_CASES: AttackCase[] = [
  host('upper case', 'LOCALHOST:{port}', served()),
  host('mixed case, no port', 'LocalHost', served()),
  host('trailing whitespace (trimmed by node)', '127.0.0.1:{port}   ', served()),
  host('trailing dot', 'localhost.'),
  host('trailing dot with port', 'localhost.:{port}'),
  host('IPv4 trailing dot', '127.0.0.1.'),
  host('IPv4 trailing dot with port', '127.0.0.1.:{port}'),
  host('IPv6 loopback', '[::1]'),
  host('IPv6 loopback with port', '[::1]:{port}'),
  host('IPv4-mapped IPv6', '[::ffff:127.0.0.1]:{port}'),
  host('hex shorthand 0x7f.1', '0x7f.1'),
  host('hex 0x7f000001', '0x7f000001:{port}'),
  host('decimal 2130706433', '2130706433'),
  host('short 127.1', '127.1:{port}'),
  host('octal 0177.0.0.1', '0177.0.0.1'),
  host('other loopback 127.0.0.2', '127.0.0.2:{port}'),
  host('0.0.0.0', '0.0.0.0:{port}'),
  host('zero-padded port', 'localhost:0{port}'),
  host('port plus path', 'localhost:{port}/evil'),
  host('userinfo', 'user@localhost:{port}'),
  host('userinfo naming evil', 'localhost:{port}@evil.com'),
  host('suffix', 'localhost.evil.com'),
  host('rebinding name', 'evil.com:{port}'),
  host('empty', ''),
  host('with a space', 'localhost {port}'),
  at('Host missing', ['/v1/secrets', AUTH], FORBIDDEN),
  {
    name: 'Host missing (HTTP/1.0)',
    target: '',
    headers: [],
    raw: 'GET /v1/secrets HTTP/1.0\r\nAuthorization: Bearer {token}\r\n\r\n',
    ...FORBIDDEN,
  },
  at('Host twice, good then evil', ['/v1/secrets', HOST, 'Host: evil.com', AUTH], FORBIDDEN),
  at('Host twice, evil then good', ['/v1/secrets', 'Host: evil.com', HOST, AUTH], FORBIDDEN),
  at('Host twice, both good', ['/v1/secrets', HOST, HOST, AUTH], FORBIDDEN),
  at('Host twice, names in other cases', ['/v1/secrets', HOST, 'HOST: localhost', AUTH], FORBIDDEN),
  at(
    'second Host hidden behind 2100 headers',
    ['/v1/secrets', HOST, ...Array.from({ length: 2100 }, () => 'x: 1'), 'Host: evil.com', AUTH],
    FORBIDDEN,
  ),
  at('absolute-form naming evil', ['http://evil.com/v1/secrets', ...OK], FORBIDDEN),
  at('absolute-form naming evil (upper case)', ['HTTP://EVIL.COM/v1/secrets', ...OK], FORBIDDEN),
  at('absolute-form naming evil on health', ['http://evil.com/v1/health', HOST], FORBIDDEN),
  at('absolute-form naming 0x7f.1', ['http://0x7f.1:{port}/v1/secrets', ...OK], FORBIDDEN),
  at('absolute-form with a trailing dot', ['http://127.0.0.1.:{port}/v1/secrets', ...OK], FORBIDDEN),
  at('absolute-form with userinfo', ['http://u@127.0.0.1:{port}/v1/secrets', ...OK], FORBIDDEN),
  at(
    'absolute-form good, Host evil',
    ['http://127.0.0.1:{port}/v1/secrets', 'Host: evil.com', AUTH],
    FORBIDDEN,
  ),
  at('absolute-form good, Host good', ['http://127.0.0.1:{port}/v1/secrets', ...OK], served()),
  at('asterisk-form', ['*', ...OK], NOT_FOUND),
  { ...at('asterisk-form OPTIONS', ['*', ...OK], NOT_FOUND), method: 'OPTIONS' },
  at('authority-form on GET', ['127.0.0.1:{port}', ...OK], refused(400, 'bad_request')),
]

const AUTH_CASES: AttackCase[] = [
  auth('scheme lower case', 'bearer {token}', served()),
  auth('scheme upper case', 'BEARER {token}', served()),
  auth('surrounding whitespace (trimmed by node)', '   Bearer {token}   ', served()),
  at('header name upper case', ['/v1/secrets', HOST, 'AUTHORIZATION: Bearer {token}'], served()),
  auth('two spaces', 'Bearer  {token}'),
  auth('tab', 'Bearer\t{token}'),
  auth('no space', 'Bearer{token}'),
  auth('scheme only', 'Bearer'),
  auth('scheme and space only', 'Bearer '),
  auth('empty', ''),
  auth('prefix of the token', 'Bearer {token-prefix}'),
  auth('token plus suffix', 'Bearer {token}x'),
  auth('token plus space and more', 'Bearer {token} x'),
  auth('token twice, comma-joined', 'Bearer {token}, Bearer {token}'),
  auth('another scheme', 'Basic {token}'),
  auth('Basic with the token as password', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`),
  auth('Token scheme', 'Token {token}'),
  auth('equals instead of space', 'Bearer={token}'),
  auth('bare token', '{token}'),
  auth('upper-cased token', 'Bearer {TOKEN}'),
  auth('homoglyph in the token', `Bearer ${TOKEN.replace('e', 'е')}`),
  auth('15 KB wrong token', `Bearer ${'a'.repeat(15_000)}`),
  auth('1 MB token', `Bearer ${'a'.repeat(1 << 20)}`, refused(431, 'headers_too_large')),
  auth('NUL byte after the token', 'Bearer {token}\0', refused(400, 'bad_request')),
  auth('NUL byte inside the token', 'Bearer {token-prefix}\0x', refused(400, 'bad_request')),
  at(
    'two Authorization, good then bad',
    ['/v1/secrets', HOST, AUTH, 'Authorization: Bearer nope'],
    UNAUTHORIZED,
  ),
  at(
    'two Authorization, bad then good',
    ['/v1/secrets', HOST, 'Authorization: Bearer nope', AUTH],
    UNAUTHORIZED,
  ),
  at('two Authorization, both good', ['/v1/secrets', HOST, AUTH, AUTH], UNAUTHORIZED),
  at('two Authorization on a key', ['/v1/secrets/API_KEY', HOST, AUTH, 'authorization: x'], UNAUTHORIZED),
  at('Proxy-Authorization only', ['/v1/secrets', HOST, 'Proxy-Authorization: Bearer {token}'], UNAUTHORIZED),
  at('token in the query', ['/v1/secrets?token={token}&access_token={token}', HOST], UNAUTHORIZED),
  at('token in a cookie', ['/v1/secrets', HOST, 'Cookie: token={token}'], UNAUTHORIZED),
  at(
    'obs-fold continuation',
    ['/v1/secrets', HOST, 'Authorization: Bearer', ' {token}'],
    refused(400, 'bad_request'),
  ),
  at('no token on keys', ['/v1/keys', HOST], UNAUTHORIZED),
  at('no token on a key', ['/v1/secrets/API_KEY', HOST], UNAUTHORIZED),
  { ...at('no token on refresh', ['/v1/refresh', HOST], UNAUTHORIZED), method: 'POST' },
]

const PATH_CASES: AttackCase[] = [
  path(
    'encoded slash is part of the key name',
    '/v1/secrets/web__a%2Fb',
    served('{"key":"web__a/b","value":"slashed"}'),
  ),
  path('raw slash is a nested path', '/v1/secrets/web__a/b', NOT_FOUND),
  path('dot-dot', '/v1/secrets/..', NOT_FOUND),
  path('encoded dot-dot', '/v1/secrets/%2e%2e', NOT_FOUND),
  path('encoded dot-dot, upper case', '/v1/secrets/%2E%2E', NOT_FOUND),
  path('half-encoded dot-dot', '/v1/secrets/.%2e', NOT_FOUND),
  path('double-encoded dot-dot', '/v1/secrets/%252e%252e', KEY_NOT_FOUND),
  path('overlong UTF-8 dots', '/v1/secrets/%C0%AE%C0%AE', KEY_NOT_FOUND),
  path('dot-dot back to secrets, with token', '/v1/secrets/../secrets', served()),
  at('path dot-dot back to secrets, no token', ['/v1/secrets/../secrets', HOST], UNAUTHORIZED),
  at('path from health to secrets, no token', ['/v1/health/../secrets', HOST], UNAUTHORIZED),
  at('path from health to keys with encoded slash, no token', ['/v1/health/..%2fkeys', HOST], NOT_FOUND),
  at('path dot segment, no token', ['/v1/./secrets', HOST], UNAUTHORIZED),
  path('double slash', '//v1/secrets', NOT_FOUND),
  path('empty key segment', '/v1/secrets//API_KEY', NOT_FOUND),
  path('encoded underscore', '/v1/secrets/API%5FKEY', served(API_KEY)),
  path('double-encoded underscore', '/v1/secrets/API%255FKEY', KEY_NOT_FOUND),
  path('NUL in the key', '/v1/secrets/API_KEY%00', KEY_NOT_FOUND),
  path('NFC unicode key', '/v1/secrets/cl%C3%A9', served('{"key":"clé","value":"välue ✓"}')),
  path('NFD unicode key is another name', '/v1/secrets/cle%CC%81', KEY_NOT_FOUND),
  path('fullwidth letters are another name', '/v1/secrets/%EF%BC%A1PI_KEY', KEY_NOT_FOUND),
  path('fullwidth solidus', '/v1/secrets%EF%BC%8FAPI_KEY', NOT_FOUND),
  path('raw UTF-8 bytes in the target', '/v1/secrets/clé', refused(400, 'bad_request')),
  path('trailing slash after a key', '/v1/secrets/API_KEY/', NOT_FOUND),
  path('trailing slash on secrets', '/v1/secrets/', NOT_FOUND),
  path('query on a key', '/v1/secrets/API_KEY?x=1', served(API_KEY)),
  path('empty query on a key', '/v1/secrets/API_KEY?', served(API_KEY)),
  path('query naming a key on secrets', '/v1/secrets?API_KEY', served()),
  path('fragment on a key', '/v1/secrets/API_KEY#x', served(API_KEY)),
  path('matrix parameter', '/v1/secrets;x=1', NOT_FOUND),
  path('semicolon in the key', '/v1/secrets/API_KEY;x', KEY_NOT_FOUND),
  path('backslash', '/v1\\secrets', NOT_FOUND),
  path('backslash in a key', '/v1/secrets/API\\KEY', NOT_FOUND),
  path('upper-case route', '/V1/SECRETS', NOT_FOUND),
  path('lone percent', '/v1/secrets/%', KEY_NOT_FOUND),
  path('15 KB key', `/v1/secrets/${'k'.repeat(15_000)}`, KEY_NOT_FOUND),
  path('20 KB path', `/v1/secrets/${'k'.repeat(20_000)}`, refused(431, 'headers_too_large')),
]

const HEADER_CASES: AttackCase[] = [
  at(
    'one 20 KB header',
    ['/v1/health', HOST, `X-Big: ${'b'.repeat(20_000)}`],
    refused(431, 'headers_too_large'),
  ),
  at(
    '10000 small headers',
    ['/v1/health', HOST, ...Array.from({ length: 10_000 }, () => 'a: b')],
    refused(431, 'headers_too_large'),
  ),
  at(
    '200 headers',
    ['/v1/secrets', ...OK, ...Array.from({ length: 200 }, (_, i) => `x-${i}: ${i}`)],
    served(),
  ),
  at('header name with a space', ['/v1/health', HOST, 'X Bad: 1'], refused(400, 'bad_request')),
  at('header without a colon', ['/v1/health', HOST, 'nonsense'], refused(400, 'bad_request')),
  // node only accepts methods it knows: its parser refuses any other.
  { ...at('unknown method', ['/v1/secrets', ...OK], refused(400, 'bad_request')), method: 'BREW' },
]

const fill = (text: string, port: number): string =>
  text
    .replaceAll('{port}', String(port))
    .replaceAll('{token-prefix}', TOKEN.slice(0, -1))
    .replaceAll('{token}', TOKEN)
    .replaceAll('{TOKEN}', TOKEN.toUpperCase())

const requestText = (c: AttackCase, port: number): string =>
  fill(c.raw ?? rawRequest(c.target, c.headers, c.method ?? 'GET'), port)

const check = (c: AttackCase, res: RawResponse): void => {
  expect(res.status).toBe(c.status)
  if (c.body !== undefined) expect(res.body).toBe(c.body)
  if (c.status >= 300) {
    expect(res.headers['content-type']).toBe('application/json')
    expect(res.headers['cache-control']).toBe('no-store')
    expect(JSON.parse(res.body)).toEqual({ error: expect.any(String) as unknown, code: c.code })
    for (const value of VALUES) expect(res.body).not.toContain(value)
  }
  expect(res.body).not.toContain(TOKEN)
}

describe('the local API under attack (real sockets)', () => {
  let api: RunningApi
  beforeAll(async () => {
    api = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0 })
  })
  afterAll(() => api.close())

  describe.each([
    ['Host guard', HOST_CASES],
    ['auth', AUTH_CASES],
    ['path tricks', PATH_CASES],
    ['headers and methods', HEADER_CASES],
  ])('%s', (_, cases) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      check(c, await sendRaw(api.port, requestText(c, api.port)))
    })
  })

  it('closes a CONNECT tunnel request without an answer', async () => {
    const res = await sendRaw(api.port, 'CONNECT evil.com:443 HTTP/1.1\r\nHost: evil.com:443\r\n\r\n')
    expect(res.status).toBe(0)
    expect(res.body).toBe('')
  })

  it('counts what the screen refuses as unmatched requests', async () => {
    const seen: [string, number][] = []
    const onRequest = (route: string, status: number): number => seen.push([route, status])
    await using counted = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0, onRequest })
    await sendRaw(counted.port, fill(rawRequest('/v1/secrets', [HOST, 'Host: evil.com', AUTH]), counted.port))
    await sendRaw(counted.port, fill(rawRequest('/v1/secrets', [HOST, AUTH, AUTH]), counted.port))
    await sendRaw(counted.port, fill(rawRequest('/v1/secrets', OK), counted.port))
    expect(seen).toEqual([
      ['unmatched', 403],
      ['unmatched', 401],
      ['secrets', 200],
    ])
  })

  it('still answers after every attack', async () => {
    const res = await sendRaw(api.port, fill(rawRequest('/v1/secrets', OK), api.port))
    expect([res.status, res.body]).toEqual([200, ALL])
  })
})

const HEADERS_TIMEOUT_MS = 300

describe('slow and greedy clients', () => {
  const limits = { headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: 600, keepAliveTimeoutMs: 200 }

  it('cuts a client sending its headers byte by byte after headersTimeout, and serves others meanwhile', async () => {
    await using api = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0, limits })
    const text = fill(rawRequest('/v1/secrets', [...OK, `X-Pad: ${'p'.repeat(200)}`]), api.port)
    const slow = sendRaw(api.port, text, { pieceBytes: 1, pauseMs: 20 })
    await sleep(100)
    const normal = await sendRaw(api.port, fill(rawRequest('/v1/secrets', OK), api.port))
    expect([normal.status, normal.body]).toEqual([200, ALL])
    const cut = await slow
    expect(cut.status).toBe(408)
    expect(JSON.parse(cut.body)).toEqual({ error: 'request timeout', code: 'request_timeout' })
    // Cut after the deadline, not after the ~6 s the whole request would take at this pace.
    expect(cut.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 20)
    expect(cut.ms).toBeLessThan(2000)
  })

  it('cuts a connection that sends nothing after headersTimeout', async () => {
    await using api = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0, limits })
    const res = await sendRaw(api.port, '')
    expect(res.status).toBe(408)
    expect(res.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 20)
    expect(res.ms).toBeLessThan(2000)
  })

  it('closes an idle keep-alive connection after keepAliveTimeout', async () => {
    await using api = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0, limits })
    const socket = await openIdle(
      api.port,
      fill('GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n', api.port),
    )
    const started = performance.now()
    let received = ''
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')))
    await new Promise((resolve) => socket.once('close', resolve))
    expect(received).toMatch(/^HTTP\/1\.1 200 /)
    expect(performance.now() - started).toBeLessThan(2000)
  })

  // Issue 18 item 5 changed this case: a newcomer used to be refused while idle sockets held
  // every slot; now the connection that fills the last slot closes the oldest idle one.
  it('closes the oldest idle connection when the cap is reached, so a newcomer is served', async () => {
    await using api = await serveApi(createFakeReader().reader, {
      token: TOKEN,
      port: 0,
      limits: { maxConnections: 3 },
    })
    const [first, second] = await Promise.all([openIdle(api.port), openIdle(api.port)])
    const closed = [first, second].map((s) => new Promise((resolve) => s.once('close', resolve)))
    const [firstClosed, secondClosed] = closed as [Promise<unknown>, Promise<unknown>]
    const third = await openIdle(api.port)
    const settled = (p: Promise<unknown>) =>
      Promise.race([p.then(() => 'closed'), sleep(2000).then(() => 'open')])
    expect(await settled(firstClosed)).toBe('closed')
    const extra = await sendRaw(api.port, fill(rawRequest('/v1/health', [HOST]), api.port))
    expect(extra.status).toBe(200)
    expect(await settled(secondClosed)).toBe('closed')
    expect(third.destroyed).toBe(false)
    third.destroy()
  })

  it('refuses a newcomer on accept while busy connections hold every other slot, and serves again once one is freed', async () => {
    const fake = createFakeReader()
    let release = (): void => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const reader = { ...fake.reader, refresh: () => held.then(() => ({ revision: '2-bbbbbbbb' })) }
    await using api = await serveApi(reader, { token: TOKEN, port: 0, limits: { maxConnections: 3 } })
    const refresh = fill(rawRequest('/v1/refresh', OK, 'POST'), api.port)
    const busy = [sendRaw(api.port, refresh), sendRaw(api.port, refresh)]
    await sleep(50)
    const third = await openIdle(api.port)
    const extra = await sendRaw(api.port, fill(rawRequest('/v1/health', [HOST]), api.port))
    expect(extra.status).toBe(0)
    expect(extra.body).toBe('')
    release()
    expect((await Promise.all(busy)).map((r) => r.status)).toEqual([200, 200])
    const again = await sendRaw(api.port, fill(rawRequest('/v1/health', [HOST]), api.port))
    expect(again.status).toBe(200)
    third.destroy()
  })

  it('uses the default limits when none are given', async () => {
    await using api = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0 })
    expect(api.server.headersTimeout).toBe(10_000)
    expect(api.server.requestTimeout).toBe(30_000)
    expect(api.server.keepAliveTimeout).toBe(5_000)
    expect(api.server.maxConnections).toBe(512)
    expect(api.server.maxHeadersCount).toBe(0)
  })
})
