// KMS envelope artifacts through the real daemon process and the real AWS SDK, which finds the
// fake KMS through AWS_ENDPOINT_URL_KMS like it would find a VPC endpoint or LocalStack.
import { describe, expect, it } from 'vitest'
import { loadVectors, startFakeKms, vector, vectorPath, type FakeKms, type Vector } from '@clef-sh/testing'
import { startDaemon, waitLoaded, type Daemon } from './harness.ts'

const envFor = (fake: FakeKms, v: Vector, ttl: string): Record<string, string> => ({
  ...fake.env,
  CLEF_AGENT_SOURCE: vectorPath(v),
  CLEF_AGENT_CACHE_TTL: ttl,
  ...(v.verifyKey === null ? {} : { CLEF_AGENT_VERIFY_KEY: v.verifyKey }),
})

const expectedValues = (v: Vector): Record<string, Record<string, string>> => {
  if (!v.expect.ok) throw new Error(`${v.name} is expected to succeed`)
  return v.expect.values
}

const code = async (d: Daemon, path: string): Promise<[number, unknown]> => {
  const r = await d.get(path)
  return [r.status, (r.json as { code?: unknown } | undefined)?.code]
}

const kmsVectors = loadVectors().filter((v) => v.kms !== null)

describe.each([
  ['cached', '300'],
  ['jit', '0'],
])('KMS vectors through the daemon (%s mode)', (mode, ttl) => {
  it.each(kmsVectors.map((v) => [v.name, v] as const))('%s', async (_name, v) => {
    await using fake = await startFakeKms()
    await using d = await startDaemon(envFor(fake, v, ttl))
    await waitLoaded(d)
    const health = (await d.get('/v1/health', { auth: false })).json as Record<string, unknown>
    if (v.expect.ok) {
      expect((await d.get('/v1/ready', { auth: false })).status).toBe(200)
      expect(health['revision']).toBe(v.expect.revision)
      for (let i = 0; i < 3; i++) {
        const all = await d.get('/v1/secrets')
        expect(all.status).toBe(200)
        expect(all.json).toEqual(v.expect.values)
        expect(Object.keys(all.json as object)).toEqual(Object.keys(v.expect.values))
      }
      // Cached mode unwraps once per revision; JIT mode asks KMS again for every request.
      if (mode === 'cached') expect(fake.stats.decryptCalls).toBe(1)
      else expect(fake.stats.decryptCalls).toBeGreaterThanOrEqual(4)
    } else {
      const ready = await d.get('/v1/ready', { auth: false })
      expect(ready.json).toEqual({ ready: false, reason: v.expect.reason })
      expect((health['lastError'] as { code: string }).code).toBe(v.expect.reason)
      expect(await code(d, '/v1/secrets')).toEqual([503, v.expect.reason])
      expect(fake.stats.decryptCalls).toBeGreaterThanOrEqual(1)
    }
    expect(fake.stats.rejected).toBe(0)
  })

  it('refuses to serve when KMS denies access at start, naming the code but no key material', async () => {
    await using fake = await startFakeKms()
    fake.failAll('AccessDeniedException')
    const v = vector('kms-aws-envelope')
    await using d = await startDaemon(envFor(fake, v, ttl))
    await waitLoaded(d)
    expect((await d.get('/v1/ready', { auth: false })).json).toEqual({ ready: false, reason: 'kms_unwrap' })
    expect(await code(d, '/v1/secrets')).toEqual([503, 'kms_unwrap'])
    expect(d.output()).toContain('AccessDeniedException')
    expect(d.output()).not.toContain(v.kms?.wrappedKey.slice(0, 24))
    expect(d.output()).not.toContain(v.kms?.dek)
  })
})

describe('JIT mode: KMS is the live gate', () => {
  const startJit = async (fake: FakeKms): Promise<Daemon> => {
    const d = await startDaemon(envFor(fake, vector('kms-aws-envelope'), '0'))
    await waitLoaded(d)
    expect((await d.get('/v1/secrets')).status).toBe(200)
    return d
  }

  it('answers 503 kms_unwrap on the very next request once KMS denies, 200 again once it allows', async () => {
    await using fake = await startFakeKms()
    await using d = await startJit(fake)
    fake.failAll('AccessDeniedException')
    expect(await code(d, '/v1/secrets')).toEqual([503, 'kms_unwrap'])
    expect(await code(d, '/v1/secrets/risk__THRESHOLD')).toEqual([503, 'kms_unwrap'])
    fake.failAll(null)
    const again = await d.get('/v1/secrets')
    expect(again.status).toBe(200)
    expect(again.json).toEqual(expectedValues(vector('kms-aws-envelope')))
    expect((await d.get('/v1/secrets/risk__THRESHOLD')).json).toEqual({
      key: 'risk__THRESHOLD',
      value: '0.87',
    })
  })

  it('shares one in-flight decrypt between concurrent requests', async () => {
    await using fake = await startFakeKms()
    await using d = await startJit(fake)
    fake.reset()
    fake.latencyMs = 300
    const answers = await Promise.all(Array.from({ length: 20 }, () => d.get('/v1/secrets')))
    expect(answers.map((a) => a.status)).toEqual(Array<number>(20).fill(200))
    for (const a of answers) expect(a.json).toEqual(expectedValues(vector('kms-aws-envelope')))
    expect(fake.stats.decryptCalls).toBeGreaterThanOrEqual(1)
    expect(fake.stats.decryptCalls).toBeLessThanOrEqual(3)
  })
})
