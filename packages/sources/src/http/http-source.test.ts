import { ErrorCode } from '@clef-sh/errors'
import { startHttpOrigin, type HttpOrigin } from '@clef-sh/testing'
import { describe, expect, it, vi } from 'vitest'
import { runSourceContract } from '../testing/source-contract.ts'
import { HttpSource, type HttpSourceOptions } from './http-source.ts'
import { failure } from '../testing/source-failure.ts'

const live = () => new AbortController().signal

const sourceFor = (origin: HttpOrigin, opts: Partial<HttpSourceOptions> = {}) =>
  new HttpSource({ url: origin.url, ...opts })

const withCredentials = (origin: HttpOrigin) =>
  `http://alice:hunter2@127.0.0.1:${origin.port}/artifact.json?token=tok-123&v=1`

runSourceContract('http', async () => {
  const origin = await startHttpOrigin()
  return {
    source: new HttpSource({ url: withCredentials(origin) }),
    credentials: ['hunter2', 'tok-123'],
    publish: (text) => {
      origin.setBody(text)
      return Promise.resolve()
    },
    remove: () => {
      origin.setBody(null)
      return Promise.resolve()
    },
    [Symbol.asyncDispose]: () => origin.close(),
  }
})

describe('HttpSource revalidation', () => {
  it('sends If-None-Match and takes a 304 as unchanged, with no body bytes transferred', async () => {
    await using origin = await startHttpOrigin({ body: '{"v":1}' })
    const source = sourceFor(origin)
    const first = await source.fetch({ signal: live() })
    expect(origin.lastRequestHeaders?.['if-none-match']).toBeUndefined()
    expect(origin.stats.bodyBytesSent).toBe(7)
    origin.reset()
    const again = await source.fetch({ signal: live(), etag: first.etag })
    expect(again).toEqual({ changed: false, etag: first.etag })
    expect(origin.lastRequestHeaders?.['if-none-match']).toBe(first.etag)
    expect(origin.stats).toEqual({ requests: 1, notModified: 1, bodyBytesSent: 0, clientAborts: 0 })
  })

  it('returns an undefined etag when the origin sends none', async () => {
    await using origin = await startHttpOrigin({ body: 'plain', etag: 'none' })
    expect(await sourceFor(origin).fetch({ signal: live() })).toEqual({
      changed: true,
      body: 'plain',
      etag: undefined,
    })
  })

  it('refuses a 304 to a request that carried no etag', async () => {
    await using origin = await startHttpOrigin({ body: 'x' })
    origin.failWith(304)
    const e = await failure(sourceFor(origin).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceInvalidResponse, status: 304 })
  })
})

describe('HttpSource status mapping', () => {
  const auth = /credentials.*permissions/
  const invalid = /200 or 304/
  it.each([
    { status: 401, text: 'Unauthorized', code: ErrorCode.SourceAuth, transient: false, hint: auth },
    { status: 403, text: 'Forbidden', code: ErrorCode.SourceAuth, transient: false, hint: auth },
    {
      status: 404,
      text: 'Not Found',
      code: ErrorCode.SourceNotFound,
      transient: false,
      hint: /been packed\?/,
    },
    { status: 429, text: 'Too Many Requests', code: ErrorCode.SourceRateLimited, transient: true },
    { status: 500, text: 'Internal Server Error', code: ErrorCode.SourceUnreachable, transient: true },
    { status: 502, text: 'Bad Gateway', code: ErrorCode.SourceUnreachable, transient: true },
    { status: 503, text: 'Service Unavailable', code: ErrorCode.SourceUnreachable, transient: true },
    {
      status: 204,
      text: 'No Content',
      code: ErrorCode.SourceInvalidResponse,
      transient: false,
      hint: invalid,
    },
    {
      status: 418,
      text: "I'm a Teapot",
      code: ErrorCode.SourceInvalidResponse,
      transient: false,
      hint: invalid,
    },
  ])('$status → $code', async ({ status, text, code, transient, hint }) => {
    await using origin = await startHttpOrigin({ body: 'x' })
    origin.failWith(status)
    const source = sourceFor(origin)
    const e = await failure(source.fetch({ signal: live() }))
    expect(e).toMatchObject({ code, transient, status, source: source.describe() })
    expect(e.message).toBe(`[GET] "${origin.url}": ${status} ${text}`)
    if (hint !== undefined) expect(e.hint).toMatch(hint)
  })
})

describe('HttpSource Retry-After', () => {
  const now = () => Date.parse('2026-01-01T00:00:00Z')

  it.each([
    [429, '7', 7_000],
    [503, '0', 0],
    [503, 'Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    [429, 'Wed, 31 Dec 2025 23:59:00 GMT', 0],
    [429, 'soon', undefined],
    [429, '1.5', undefined],
    [500, '7', undefined],
  ] as const)('%i with Retry-After %j → %j ms', async (status, header, expected) => {
    await using origin = await startHttpOrigin({ body: 'x' })
    origin.failWith(status, { 'retry-after': header })
    const e = await failure(sourceFor(origin, { now }).fetch({ signal: live() }))
    expect(e.retryAfterMs).toBe(expected)
  })
})

describe('HttpSource size cap', () => {
  it('rejects a Content-Length over the cap, and accepts a body exactly at the cap', async () => {
    await using origin = await startHttpOrigin({ body: 'z'.repeat(2_000) })
    const e = await failure(sourceFor(origin, { maxBytes: 1_999 }).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceTooLarge, transient: false })
    expect(e.message).toContain('Content-Length 2000 exceeds the 1999-byte cap')
    const ok = await sourceFor(origin, { maxBytes: 2_000 }).fetch({ signal: live() })
    expect(ok.changed && ok.body.length).toBe(2_000)
  })

  it('stops a streamed body without Content-Length as soon as it passes the cap', async () => {
    const size = 32 * 1024 * 1024
    await using origin = await startHttpOrigin({ body: 'z'.repeat(size) })
    origin.chunked = true
    const e = await failure(sourceFor(origin, { maxBytes: 64 * 1024 }).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceTooLarge })
    expect(e.message).toContain('body exceeds the 65536-byte cap')
    // The client hung up, so the origin never got to write the whole body.
    await vi.waitFor(() => {
      expect(origin.stats.clientAborts).toBe(1)
    })
    expect(origin.stats.bodyBytesSent).toBeLessThan(size / 2)
  })
})

describe('HttpSource network failures', () => {
  it('times out against a slow origin', async () => {
    await using origin = await startHttpOrigin({ body: 'x' })
    origin.delayMs = 5_000
    const started = performance.now()
    const e = await failure(sourceFor(origin, { timeoutMs: 50 }).fetch({ signal: live() }))
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(e).toMatchObject({ code: ErrorCode.SourceUnreachable, transient: true })
    expect(e.message).toBe(`[GET] "${origin.url}": timed out after 50 ms`)
  })

  it('reports an abort by the caller as aborted', async () => {
    await using origin = await startHttpOrigin({ body: 'x' })
    origin.delayMs = 5_000
    const ctrl = new AbortController()
    setTimeout(() => {
      ctrl.abort()
    }, 20)
    const e = await failure(sourceFor(origin).fetch({ signal: ctrl.signal }))
    expect(e).toMatchObject({ code: ErrorCode.SourceUnreachable, transient: true })
    expect(e.message).toBe(`[GET] "${origin.url}": aborted`)
  })

  it('reports a refused connection as transient and recovers when the origin is back', async () => {
    await using origin = await startHttpOrigin({ body: 'back' })
    const source = sourceFor(origin)
    await origin.stop()
    const e = await failure(source.fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceUnreachable, transient: true })
    expect(e.message).toBe(`[GET] "${origin.url}": request failed (ECONNREFUSED)`)
    await origin.restart()
    expect(await source.fetch({ signal: live() })).toMatchObject({ changed: true, body: 'back' })
  })
})

describe('HttpSource names the cause of a failed connection', () => {
  it('says ECONNREFUSED with a hint to check that the server is up', async () => {
    await using origin = await startHttpOrigin({ body: 'x' })
    await origin.stop()
    const e = await failure(sourceFor(origin).fetch({ signal: live() }))
    expect(e.message).toBe(`[GET] "${origin.url}": request failed (ECONNREFUSED)`)
    expect(e.hint).toMatch(/check the URL and that the server is up/)
  })

  it('says ENOTFOUND for a host that does not resolve, with a DNS hint', async () => {
    const e = await failure(
      new HttpSource({ url: 'http://clef-agent-test.invalid/a.json' }).fetch({ signal: live() }),
    )
    expect(e).toMatchObject({ code: ErrorCode.SourceUnreachable, transient: true })
    expect(e.message).toMatch(
      /^\[GET\] "http:\/\/clef-agent-test\.invalid\/a\.json": request failed \((ENOTFOUND|EAI_AGAIN)\)$/,
    )
    expect(e.hint).toMatch(/does not resolve/)
  })

  it('names a TLS failure by its code (https to a plain-HTTP port), with a certificate hint', async () => {
    await using origin = await startHttpOrigin({ body: 'x' })
    const url = `https://127.0.0.1:${origin.port}/a.json`
    const e = await failure(new HttpSource({ url }).fetch({ signal: live() }))
    expect(e.message).toMatch(/: request failed \(ERR_SSL_[A-Z_]+\)$/)
    expect(e.message).not.toContain('TypeError')
    expect(e.hint).toMatch(/TLS certificate/)
  })
})

describe('HttpSource credentials', () => {
  it('redacts userinfo and token parameters in describe() and in messages', async () => {
    await using origin = await startHttpOrigin()
    const source = new HttpSource({ url: withCredentials(origin) })
    const e = await failure(source.fetch({ signal: live() }))
    // Issue 13 §4 / 17 §5: no query value at all, and no doubled scheme (was `http:http://…&v=1`).
    const redacted = `http://***@127.0.0.1:${origin.port}/artifact.json?token=***&v=***`
    expect(source.describe()).toBe(redacted)
    expect(e.message).toBe(`[GET] "${redacted}": 404 Not Found`)
    expect(e.source).toBe(source.describe())
    for (const text of [e.message, e.source, JSON.stringify(e)]) {
      expect(text).not.toContain('hunter2')
      expect(text).not.toContain('tok-123')
    }
  })

  it('sends URL userinfo, percent-decoded, as Basic auth and keeps the query', async () => {
    await using origin = await startHttpOrigin({ body: 'x' })
    const url = `http://us%40er:p%3Ass@127.0.0.1:${origin.port}/a.json?token=t`
    await new HttpSource({ url }).fetch({ signal: live() })
    const auth = origin.lastRequestHeaders?.authorization ?? ''
    expect(Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString()).toBe('us@er:p:ss')
    expect(auth.startsWith('Basic ')).toBe(true)
  })

  it('sends configured headers; an explicit Authorization wins over userinfo', async () => {
    await using origin = await startHttpOrigin({ body: 'x' })
    const url = `http://u:p@127.0.0.1:${origin.port}/a.json`
    await new HttpSource({ url, headers: { Authorization: 'Bearer abc', 'X-Tenant': 't1' } }).fetch({
      signal: live(),
    })
    expect(origin.lastRequestHeaders).toMatchObject({ authorization: 'Bearer abc', 'x-tenant': 't1' })
  })

  it('rejects a URL that is not http(s) without echoing it', () => {
    const thrown = (url: string): unknown => {
      try {
        return new HttpSource({ url })
      } catch (e) {
        return e
      }
    }
    expect(thrown('ftp://u:secret@host/a.json')).toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: 'http source: unsupported scheme "ftp:"',
    })
    expect(thrown('not a url :secret')).toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: 'http source: not a valid URL',
    })
  })

  it('uses the injected fetch and logs the status without credentials', async () => {
    await using origin = await startHttpOrigin({ body: 'x' })
    const seen: string[] = []
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    const counting: typeof fetch = (input, init) => {
      seen.push(input instanceof Request ? input.url : input.toString())
      return fetch(input, init)
    }
    await new HttpSource({ url: withCredentials(origin), fetch: counting, logger }).fetch({ signal: live() })
    expect(seen).toEqual([`http://127.0.0.1:${origin.port}/artifact.json?token=tok-123&v=1`])
    expect(logger.debug).toHaveBeenCalledWith(
      'http source answered',
      expect.objectContaining({ status: 200 }),
    )
    expect(JSON.stringify(logger.debug.mock.calls)).not.toMatch(/hunter2|tok-123/)
  })
})
