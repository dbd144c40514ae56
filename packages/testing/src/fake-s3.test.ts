import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { startFakeS3, type FakeS3 } from './fake-s3.ts'

// Shaped like what the SDK sends; the fake checks the shape and the key id, not the signature.
const signed = (accessKeyId = 'AKIDTEST'): Record<string, string> => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${'ab'.repeat(32)}`,
  'x-amz-date': '20260101T000000Z',
  'x-amz-content-sha256': createHash('sha256').update('').digest('hex'),
})

const get = (s3: FakeS3, path: string, init: { headers?: Record<string, string>; method?: string } = {}) =>
  fetch(`${s3.url}${path}`, { method: init.method ?? 'GET', headers: init.headers ?? signed() })

const errorCode = async (res: Response): Promise<string | undefined> =>
  /<Code>([^<]*)<\/Code>/.exec(await res.text())?.[1]

describe('startFakeS3', () => {
  it('serves a path-style object with a quoted-MD5 ETag, Content-Length and Last-Modified', async () => {
    await using s3 = await startFakeS3({ objects: { 'b/dir/a b.json': '{"a":1}' } })
    expect(s3.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await get(s3, '/b/dir/a%20b.json?x-id=GetObject')
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('{"a":1}')
    expect(res.headers.get('etag')).toBe(`"${createHash('md5').update('{"a":1}').digest('hex')}"`)
    expect(res.headers.get('content-length')).toBe('7')
    expect(Date.parse(res.headers.get('last-modified') ?? '')).toBeGreaterThan(Date.now() - 60_000)
    expect(s3.stats).toEqual({ requests: 1, notModified: 0, bodyBytesSent: 7, clientAborts: 0 })
    expect(s3.lastRequest).toMatchObject({ method: 'GET', path: '/b/dir/a%20b.json?x-id=GetObject' })
  })

  it('answers a matching If-None-Match with 304 and no body, and HEAD with headers only', async () => {
    await using s3 = await startFakeS3()
    const etag = s3.putObject('b/k', 'v1')
    const res = await get(s3, '/b/k', { headers: { ...signed(), 'if-none-match': `"other", ${etag}` } })
    expect([res.status, res.headers.get('etag'), await res.text()]).toEqual([304, etag, ''])
    const head = await get(s3, '/b/k', { method: 'HEAD' })
    expect([head.status, head.headers.get('content-length'), head.headers.get('etag')]).toEqual([
      200,
      '2',
      etag,
    ])
    expect(s3.stats).toMatchObject({ requests: 2, notModified: 1, bodyBytesSent: 0 })
    s3.putObject('b/k', 'v2')
    expect(await (await get(s3, '/b/k', { headers: { ...signed(), 'if-none-match': etag } })).text()).toBe(
      'v2',
    )
  })

  it('answers S3 XML errors for a missing key, a missing bucket and other methods', async () => {
    await using s3 = await startFakeS3({ objects: { 'b/k': 'x' } })
    s3.deleteObject('b/k')
    const noKey = await get(s3, '/b/k')
    expect([noKey.status, noKey.headers.get('content-type'), await errorCode(noKey)]).toEqual([
      404,
      'application/xml',
      'NoSuchKey',
    ])
    const noBucket = await get(s3, '/nope/k')
    expect([noBucket.status, await errorCode(noBucket)]).toEqual([404, 'NoSuchBucket'])
    const put = await get(s3, '/b/k', { method: 'PUT' })
    expect([put.status, await errorCode(put)]).toEqual([405, 'MethodNotAllowed'])
  })

  it('refuses requests the SDK did not sign for the accepted access key id', async () => {
    await using s3 = await startFakeS3({ objects: { 'b/k': 'x' }, accessKeyId: 'AKIDMINE' })
    const { authorization, ...unsigned } = signed('AKIDMINE')
    const cases: [Record<string, string>, number, string][] = [
      [{}, 403, 'AccessDenied'],
      [{ authorization: 'Bearer abc' }, 400, 'AuthorizationHeaderMalformed'],
      [signed('AKIDOTHER'), 403, 'InvalidAccessKeyId'],
      [signed(''), 403, 'InvalidAccessKeyId'],
      [{ ...unsigned, authorization: authorization ?? '', 'x-amz-date': '' }, 403, 'AccessDenied'],
      [{ authorization: authorization ?? '', 'x-amz-date': '20260101T000000Z' }, 400, 'InvalidRequest'],
    ]
    for (const [headers, status, code] of cases) {
      const res = await get(s3, '/b/k', { headers })
      expect([res.status, await errorCode(res)]).toEqual([status, code])
    }
    expect((await get(s3, '/b/k', { headers: signed('AKIDMINE') })).status).toBe(200)
    expect(s3.clientConfig.credentials.accessKeyId).toBe('AKIDMINE')
  })

  it('fails with an S3 error and extra headers until cleared', async () => {
    await using s3 = await startFakeS3({ objects: { 'b/k': 'ok' } })
    s3.failWith(503, 'SlowDown', { 'retry-after': '7' })
    const res = await get(s3, '/b/k')
    expect([res.status, res.headers.get('retry-after'), await errorCode(res)]).toEqual([503, '7', 'SlowDown'])
    s3.failWith(500)
    expect(await errorCode(await get(s3, '/b/k'))).toBe('InternalError')
    s3.failWith(null)
    expect(await (await get(s3, '/b/k')).text()).toBe('ok')
  })

  it('delays answers, streams without Content-Length, and drops connections on request', async () => {
    await using s3 = await startFakeS3({ objects: { 'b/k': 'y'.repeat(100_000) } })
    s3.latencyMs = 100
    s3.chunked = true
    const started = performance.now()
    const res = await get(s3, '/b/k')
    expect(performance.now() - started).toBeGreaterThanOrEqual(90)
    expect([res.headers.get('content-length'), res.headers.get('transfer-encoding')]).toEqual([
      null,
      'chunked',
    ])
    expect((await res.text()).length).toBe(100_000)
    s3.latencyMs = 0
    s3.dropNext(1)
    await expect(get(s3, '/b/k')).rejects.toThrow()
    expect((await get(s3, '/b/k')).status).toBe(200)
    expect(s3.stats.requests).toBe(3)
  })

  it('gives the environment a child process needs to reach it', async () => {
    await using s3 = await startFakeS3()
    expect(s3.env).toMatchObject({
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
    })
    expect(s3.clientConfig).toMatchObject({ endpoint: s3.url, forcePathStyle: true, region: 'us-east-1' })
  })
})
