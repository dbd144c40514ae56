import { describe, expect, it } from 'vitest'
import { loadKmsMappings, startFakeKms, type FakeKms } from './fake-kms.ts'

const SIGNED = 'AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/kms/aws4_request, Signature=00'

interface Call {
  status: number
  headers: Headers
  text: string
  json: Record<string, unknown>
}

interface Req {
  op: string
  body: unknown
  headers?: Record<string, string>
}

const request = async (fake: FakeKms, { op, body, headers = {} }: Req): Promise<Call> => {
  const res = await fetch(fake.url, {
    method: 'POST',
    headers: {
      authorization: SIGNED,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `TrentService.${op}`,
      ...headers,
    },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    // http500 answers plain text.
  }
  return { status: res.status, headers: res.headers, text, json }
}

const call = (fake: FakeKms, op: string, body: unknown): Promise<Call> => request(fake, { op, body })

const first = loadKmsMappings()[0] as { keyId: string; wrappedKey: string; dek: string }

describe('startFakeKms', () => {
  it('decrypts every vector mapping like KMS, in JSON 1.1', async () => {
    await using fake = await startFakeKms()
    for (const m of loadKmsMappings()) {
      const r = await call(fake, 'Decrypt', {
        CiphertextBlob: m.wrappedKey,
        KeyId: m.keyId,
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      })
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe('application/x-amz-json-1.1')
      expect(r.json).toEqual({ KeyId: m.keyId, Plaintext: m.dek, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' })
    }
    expect(fake.stats.decryptCalls).toBe(3)
  })

  it('answers unknown blobs with a typed 400 InvalidCiphertextException', async () => {
    await using fake = await startFakeKms()
    const r = await call(fake, 'Decrypt', { CiphertextBlob: Buffer.from('nope').toString('base64') })
    expect(r.status).toBe(400)
    expect(r.json['__type']).toBe('InvalidCiphertextException')
    expect(r.headers.get('x-amzn-errortype')).toBe('InvalidCiphertextException')
  })

  it('checks KeyId when given: bare key id ok, another key Incorrect, no such key NotFound', async () => {
    await using fake = await startFakeKms()
    const bareId = first.keyId.split('/').at(-1)
    expect((await call(fake, 'Decrypt', { CiphertextBlob: first.wrappedKey, KeyId: bareId })).status).toBe(
      200,
    )
    const other = await call(fake, 'Decrypt', { CiphertextBlob: first.wrappedKey, KeyId: fake.createKey() })
    expect(other.json['__type']).toBe('IncorrectKeyException')
    const none = await call(fake, 'Decrypt', {
      CiphertextBlob: first.wrappedKey,
      KeyId: 'arn:aws:kms:x:1:key/none',
    })
    expect(none.json['__type']).toBe('NotFoundException')
  })

  it('refuses requests the SDK did not sign, and unknown targets, before any operation', async () => {
    await using fake = await startFakeKms()
    const unsigned = await request(fake, {
      op: 'Decrypt',
      body: { CiphertextBlob: first.wrappedKey },
      headers: { authorization: 'Bearer x' },
    })
    expect(unsigned.status).toBe(400)
    expect(unsigned.json['__type']).toBe('MissingAuthenticationTokenException')
    const unknown = await call(fake, 'ScheduleKeyDeletion', {})
    expect(unknown.json['__type']).toBe('UnknownOperationException')
    const wrongType = await request(fake, {
      op: 'Decrypt',
      body: {},
      headers: { 'content-type': 'application/json' },
    })
    expect(wrongType.status).toBe(400)
    expect(fake.stats).toMatchObject({ requests: 3, rejected: 3, decryptCalls: 0 })
  })

  it('wraps fresh data keys under a created key and unwraps them later', async () => {
    await using fake = await startFakeKms({ mappings: [] })
    const keyId = fake.createKey()
    expect(keyId).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}$/)
    const gen = await call(fake, 'GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' })
    expect(Buffer.from(String(gen.json['Plaintext']), 'base64')).toHaveLength(32)
    const back = await call(fake, 'Decrypt', { CiphertextBlob: gen.json['CiphertextBlob'], KeyId: keyId })
    expect(back.json['Plaintext']).toBe(gen.json['Plaintext'])
    const enc = await call(fake, 'Encrypt', {
      KeyId: keyId,
      Plaintext: Buffer.from('hello').toString('base64'),
    })
    expect(enc.json['CiphertextBlob']).not.toContain(Buffer.from('hello').toString('base64'))
    const dec = await call(fake, 'Decrypt', { CiphertextBlob: enc.json['CiphertextBlob'] })
    expect(Buffer.from(String(dec.json['Plaintext']), 'base64').toString()).toBe('hello')
    expect(fake.stats).toMatchObject({ generateDataKeyCalls: 1, encryptCalls: 1, decryptCalls: 2 })
  })

  it('injects failures: failNext counts down, failAll holds until cleared', async () => {
    await using fake = await startFakeKms()
    const decrypt = () => call(fake, 'Decrypt', { CiphertextBlob: first.wrappedKey })
    fake.failNext(2, 'ThrottlingException')
    expect((await decrypt()).json['__type']).toBe('ThrottlingException')
    expect((await decrypt()).json['__type']).toBe('ThrottlingException')
    expect((await decrypt()).status).toBe(200)
    fake.failAll('http500')
    const down = await decrypt()
    expect([down.status, down.text]).toEqual([500, 'Internal Server Error'])
    expect(down.headers.get('x-amzn-errortype')).toBeNull()
    fake.failAll('AccessDeniedException')
    expect((await decrypt()).json['__type']).toBe('AccessDeniedException')
    fake.failAll(null)
    expect((await decrypt()).status).toBe(200)
    expect(fake.stats).toMatchObject({ decryptCalls: 6, injectedFailures: 4 })
    fake.reset()
    expect(fake.stats.decryptCalls).toBe(0)
  })

  it('adds latencyMs before answering, and refuses connections once closed', async () => {
    const fake = await startFakeKms()
    fake.latencyMs = 120
    const started = Date.now()
    expect((await call(fake, 'Decrypt', { CiphertextBlob: first.wrappedKey })).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(100)
    await fake.close()
    await expect(call(fake, 'Decrypt', {})).rejects.toThrow()
  })

  it('exposes SDK client options and a child-process environment pointing at itself', async () => {
    await using fake = await startFakeKms()
    expect(fake.clientConfig).toMatchObject({ endpoint: fake.url, region: 'us-east-1' })
    expect(fake.env['AWS_ENDPOINT_URL_KMS']).toBe(fake.url)
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })
})
