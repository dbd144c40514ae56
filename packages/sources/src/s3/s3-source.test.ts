import { createHash } from 'node:crypto'
import { ErrorCode } from '@clef-sh/errors'
import { startFakeS3, type FakeS3 } from '@clef-sh/testing'
import { describe, expect, it, vi } from 'vitest'
import { createSource } from '../create-source.ts'
import { runSourceContract } from '../testing/source-contract.ts'
import { S3Source, type S3SourceOptions } from './s3-source.ts'
import { failure } from '../testing/source-failure.ts'

const BUCKET = 'artifacts'
const KEY = '.clef/packed/api/prod.age.json'
const OBJECT = `${BUCKET}/${KEY}`
const WHERE = `[GET] "s3://${OBJECT}"`
const SECRET = 'wJalrXUtnFEMI-fake-secret-K7MDENG'

const live = () => new AbortController().signal
const md5 = (text: string) => `"${createHash('md5').update(text).digest('hex')}"`

const sourceFor = (s3: FakeS3, opts: Partial<S3SourceOptions> = {}) =>
  new S3Source({
    bucket: BUCKET,
    key: KEY,
    ...opts,
    client: {
      ...s3.clientConfig,
      credentials: { accessKeyId: s3.clientConfig.credentials.accessKeyId, secretAccessKey: SECRET },
      ...opts.client,
    },
  })

runSourceContract('s3', async () => {
  const s3 = await startFakeS3({ objects: { [`${BUCKET}/other.json`]: '{}' } })
  return {
    source: sourceFor(s3),
    credentials: [SECRET],
    publish: (text) => {
      s3.putObject(OBJECT, text)
      return Promise.resolve()
    },
    remove: () => {
      s3.deleteObject(OBJECT)
      return Promise.resolve()
    },
    [Symbol.asyncDispose]: () => s3.close(),
  }
})

describe('S3Source GetObject', () => {
  it('sends a SigV4-signed path-style GET and returns the body with the quoted-MD5 ETag', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: '{"v":1}' } })
    const source = sourceFor(s3)
    expect(source.describe()).toBe(`s3://${OBJECT}`)
    expect(await source.fetch({ signal: live() })).toEqual({
      changed: true,
      body: '{"v":1}',
      etag: md5('{"v":1}'),
    })
    const req = s3.lastRequest
    expect(req?.path).toMatch(/^\/artifacts\/\.clef\/packed\/api\/prod\.age\.json(\?|$)/)
    expect(req?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/s3\//,
    )
    expect(req?.headers['if-none-match']).toBeUndefined()
    expect(JSON.stringify(req?.headers)).not.toContain(SECRET)
  })

  it('revalidates with If-None-Match: an unchanged object transfers no body bytes', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x'.repeat(5_000) } })
    const source = sourceFor(s3)
    const first = await source.fetch({ signal: live() })
    expect(s3.stats.bodyBytesSent).toBe(5_000)
    s3.reset()
    const again = await source.fetch({ signal: live(), etag: first.etag })
    expect(again).toEqual({ changed: false, etag: first.etag })
    expect(s3.lastRequest?.headers['if-none-match']).toBe(first.etag)
    expect(s3.stats).toEqual({ requests: 1, notModified: 1, bodyBytesSent: 0, clientAborts: 0 })
  })

  it('picks up a new object under the same key', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'v1' } })
    const source = sourceFor(s3)
    const first = await source.fetch({ signal: live() })
    s3.putObject(OBJECT, 'v2')
    expect(await source.fetch({ signal: live(), etag: first.etag })).toEqual({
      changed: true,
      body: 'v2',
      etag: md5('v2'),
    })
  })

  it('refuses a 304 to a request that carried no etag', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    s3.failWith(304)
    const e = await failure(sourceFor(s3).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceInvalidResponse, status: 304, transient: false })
  })

  it('addresses an IP endpoint path-style without being told to', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'ok' } })
    const { endpoint, region, credentials } = s3.clientConfig
    const source = new S3Source({ bucket: BUCKET, key: KEY, endpoint, region, client: { credentials } })
    expect(await source.fetch({ signal: live() })).toMatchObject({ changed: true, body: 'ok' })
    expect(s3.lastRequest?.path.startsWith(`/${BUCKET}/`)).toBe(true)
  })

  it('is what createSource builds for an s3 config', () => {
    const source = createSource({ kind: 's3', bucket: BUCKET, key: KEY, region: 'eu-west-1' })
    expect(source).toBeInstanceOf(S3Source)
    expect([source.kind, source.describe()]).toEqual(['s3', `s3://${OBJECT}`])
  })

  it('logs the answer at debug level without credentials', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    await sourceFor(s3, { logger }).fetch({ signal: live() })
    expect(logger.debug).toHaveBeenCalledWith('s3 source answered', {
      source: `s3://${OBJECT}`,
      status: 200,
      attempts: 1,
    })
    expect(JSON.stringify(logger.debug.mock.calls)).not.toContain(SECRET)
  })
})

describe('S3Source error mapping', () => {
  const auth = /s3:GetObject on arn:aws:s3:::artifacts\/\.clef/
  const keys = /access key id and secret/
  it.each([
    { status: 403, s3Code: 'AccessDenied', code: ErrorCode.SourceAuth, hint: auth, text: 'Access Denied' },
    { status: 403, s3Code: 'SignatureDoesNotMatch', code: ErrorCode.SourceAuth, hint: keys },
    { status: 400, s3Code: 'ExpiredToken', code: ErrorCode.SourceAuth, hint: auth },
    { status: 404, s3Code: 'NoSuchKey', code: ErrorCode.SourceNotFound, hint: /packed and uploaded/ },
    { status: 429, s3Code: 'TooManyRequests', code: ErrorCode.SourceRateLimited, transient: true },
    { status: 503, s3Code: 'SlowDown', code: ErrorCode.SourceRateLimited, transient: true },
    { status: 500, s3Code: 'InternalError', code: ErrorCode.SourceUnreachable, transient: true },
    { status: 503, s3Code: 'ServiceUnavailable', code: ErrorCode.SourceUnreachable, transient: true },
    {
      status: 400,
      s3Code: 'AuthorizationHeaderMalformed',
      code: ErrorCode.SourceInvalidResponse,
      hint: /AWS_REGION/,
    },
    { status: 400, s3Code: 'InvalidRequest', code: ErrorCode.SourceInvalidResponse, hint: /bucket, the key/ },
  ])('$status $s3Code → $code', async ({ status, s3Code, code, hint, transient = false, text }) => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    s3.failWith(status, s3Code)
    const source = sourceFor(s3)
    const e = await failure(source.fetch({ signal: live() }))
    expect(e).toMatchObject({ code, transient, status, source: `s3://${OBJECT}` })
    expect(e.message.startsWith(`${WHERE}: ${status} ${s3Code}`)).toBe(true)
    if (text !== undefined) expect(e.message).toBe(`${WHERE}: ${status} ${s3Code}: ${text}`)
    if (hint !== undefined) expect(e.hint).toMatch(hint)
    // The agent's back-off governs: the SDK did not retry an answer of S3.
    expect(s3.stats.requests).toBe(1)
  })

  it('maps a missing bucket to source_not_found', async () => {
    await using s3 = await startFakeS3()
    const e = await failure(sourceFor(s3).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceNotFound, status: 404 })
    expect(e.hint).toMatch(/packed/)
    expect(e.message).toBe(`${WHERE}: 404 NoSuchBucket: The specified bucket does not exist`)
  })

  it('maps an access key id S3 does not know to source_auth', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    const credentials = { accessKeyId: 'AKIDSOMEONEELSE', secretAccessKey: SECRET }
    const e = await failure(sourceFor(s3, { client: { credentials } }).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceAuth, status: 403 })
    expect(e.hint).toMatch(keys)
    expect(e.message).toMatch(/403 InvalidAccessKeyId/)
    expect(`${e.message} ${e.hint}`).not.toContain(SECRET)
  })

  it('maps an exhausted credential chain to source_auth without a request', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    const none = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    })
    const e = await failure(
      sourceFor(s3, { client: { credentials: () => Promise.reject(none) } }).fetch({ signal: live() }),
    )
    expect(e).toMatchObject({ code: ErrorCode.SourceAuth, transient: false, status: undefined })
    expect(e.hint).toMatch(/no AWS credentials found.*instance role/)
    expect(s3.stats.requests).toBe(0)
  })

  it('maps a missing region to config_invalid', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    const source = sourceFor(s3, {
      client: { region: (): Promise<string> => Promise.reject(new Error('Region is missing')) },
    })
    const e = await failure(source.fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.ConfigInvalid, message: `${WHERE}: no AWS region` })
    expect(e.hint).toMatch(/AWS_REGION/)
  })
})

describe('S3Source Retry-After', () => {
  const now = () => Date.parse('2026-01-01T00:00:00Z')
  it.each([
    { status: 503, s3Code: 'SlowDown', header: '7', expected: 7_000 },
    { status: 429, s3Code: 'TooManyRequests', header: '2', expected: 2_000 },
    { status: 503, s3Code: 'ServiceUnavailable', header: 'Thu, 01 Jan 2026 00:00:30 GMT', expected: 30_000 },
    { status: 503, s3Code: 'SlowDown', header: 'soon', expected: undefined },
  ])(
    '$status $s3Code with Retry-After $header → $expected ms',
    async ({ status, s3Code, header, expected }) => {
      await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
      s3.failWith(status, s3Code, { 'retry-after': header })
      const e = await failure(sourceFor(s3, { now }).fetch({ signal: live() }))
      expect(e.retryAfterMs).toBe(expected)
      expect(s3.stats.requests).toBe(1)
    },
  )
})

describe('S3Source size cap', () => {
  it('rejects a ContentLength over the cap and accepts an object exactly at the cap', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'z'.repeat(2_000) } })
    const e = await failure(sourceFor(s3, { maxBytes: 1_999 }).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceTooLarge, transient: false })
    expect(e.message).toBe(`${WHERE}: ContentLength 2000 exceeds the 1999-byte cap`)
    const ok = await sourceFor(s3, { maxBytes: 2_000 }).fetch({ signal: live() })
    expect(ok.changed && ok.body.length).toBe(2_000)
  })

  it('hangs up on a large object instead of downloading it', async () => {
    const size = 32 * 1024 * 1024
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'z'.repeat(size) } })
    const e = await failure(sourceFor(s3, { maxBytes: 64 * 1024 }).fetch({ signal: live() }))
    expect(e.code).toBe(ErrorCode.SourceTooLarge)
    await vi.waitFor(() => {
      expect(s3.stats.clientAborts).toBe(1)
    })
    expect(s3.stats.bodyBytesSent).toBeLessThan(size / 2)
  })

  it('stops a body sent without Content-Length as soon as it passes the cap', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'z'.repeat(1024 * 1024) } })
    s3.chunked = true
    const e = await failure(sourceFor(s3, { maxBytes: 64 * 1024 }).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceTooLarge })
    expect(e.message).toBe(`${WHERE}: body exceeds the 65536-byte cap`)
    const ok = await sourceFor(s3).fetch({ signal: live() })
    expect(ok.changed && ok.body.length).toBe(1024 * 1024)
  })

  it('rejects an object that is not UTF-8', async () => {
    await using s3 = await startFakeS3()
    s3.putObject(OBJECT, Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d))
    const e = await failure(sourceFor(s3).fetch({ signal: live() }))
    expect(e).toMatchObject({
      code: ErrorCode.SourceInvalidResponse,
      message: `${WHERE}: body is not valid UTF-8`,
    })
  })
})

describe('S3Source network failures', () => {
  it('times out against a slow S3', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    s3.latencyMs = 5_000
    const started = performance.now()
    const e = await failure(sourceFor(s3, { timeoutMs: 100 }).fetch({ signal: live() }))
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(e).toMatchObject({ code: ErrorCode.SourceUnreachable, transient: true })
    expect(e.message).toBe(`${WHERE}: timed out after 100 ms`)
  })

  it('times out even while the credential provider hangs', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    const hanging = () => new Promise<never>(() => {})
    const e = await failure(
      sourceFor(s3, { timeoutMs: 100, client: { credentials: hanging } }).fetch({ signal: live() }),
    )
    expect(e).toMatchObject({
      code: ErrorCode.SourceUnreachable,
      message: `${WHERE}: timed out after 100 ms`,
    })
  })

  it('reports an abort by the caller as aborted', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    s3.latencyMs = 5_000
    const ctrl = new AbortController()
    setTimeout(() => {
      ctrl.abort()
    }, 50)
    const e = await failure(sourceFor(s3).fetch({ signal: ctrl.signal }))
    expect(e).toMatchObject({
      code: ErrorCode.SourceUnreachable,
      transient: true,
      message: `${WHERE}: aborted`,
    })
  })

  it('reports a refused connection as transient', async () => {
    const s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    const source = sourceFor(s3)
    await s3.close()
    const e = await failure(source.fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceUnreachable, transient: true, status: undefined })
    expect(e.message).toBe(`${WHERE}: request failed (ECONNREFUSED)`)
  })

  it('retries a reset connection once, at once, and no more', async () => {
    await using s3 = await startFakeS3({ objects: { [OBJECT]: 'x' } })
    const source = sourceFor(s3)
    s3.dropNext(1)
    expect(await source.fetch({ signal: live() })).toMatchObject({ changed: true, body: 'x' })
    expect(s3.stats.requests).toBe(2)
    s3.reset()
    s3.dropNext(2)
    const e = await failure(source.fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceUnreachable, transient: true })
    expect(e.message).toBe(`${WHERE}: request failed (ECONNRESET)`)
    expect(s3.stats.requests).toBe(2)
  })
})
