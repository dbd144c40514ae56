import { describe, expect, it } from 'vitest'
import { loadKmsMappings, startFakeKms, type FakeKms } from '@clef-sh/testing'
import { failure } from '../test-helpers.ts'
import { createAwsKmsUnwrapper, type AwsKmsOptions } from './aws-kms-unwrapper.ts'

const mapping = loadKmsMappings()[0] as { keyId: string; wrappedKey: string; dek: string }
const request = {
  keyId: mapping.keyId,
  wrappedKey: Buffer.from(mapping.wrappedKey, 'base64'),
  algorithm: 'SYMMETRIC_DEFAULT',
}

const unwrapperFor = (fake: FakeKms, opts: Omit<AwsKmsOptions, 'client'> = {}) =>
  createAwsKmsUnwrapper({ client: fake.clientConfig, ...opts })

/** Asserts that a kms_unwrap message names the type and key but leaks no key material. */
const expectSafeMessage = (message: string, type: string): void => {
  expect(message).toContain(type)
  expect(message).toContain(mapping.keyId)
  expect(message).not.toContain(mapping.wrappedKey.slice(0, 24))
  expect(message).not.toContain(mapping.dek)
}

describe('createAwsKmsUnwrapper against the fake KMS (real SDK)', () => {
  it('returns the DEK of a wrapped key in one Decrypt call', async () => {
    await using fake = await startFakeKms()
    const kms = await unwrapperFor(fake)
    expect(kms.provider).toBe('aws')
    const dek = await kms.unwrap(request)
    expect(Buffer.from(dek).toString('base64')).toBe(mapping.dek)
    expect(fake.stats.decryptCalls).toBe(1)
    expect(fake.stats.rejected).toBe(0)
  })

  it('forwards KeyId and EncryptionAlgorithm: another key or algorithm is refused', async () => {
    await using fake = await startFakeKms()
    const kms = await unwrapperFor(fake)
    const other = await failure(kms.unwrap({ ...request, keyId: fake.createKey() }))
    expect(other).toMatchObject({ code: 'kms_unwrap', transient: false })
    expect(other.message).toContain('IncorrectKeyException')
    const algo = await failure(kms.unwrap({ ...request, algorithm: 'RSAES_OAEP_SHA_256' }))
    expect(algo).toMatchObject({ code: 'kms_unwrap', transient: false })
    expect(algo.message).toContain('InvalidKeyUsageException')
  })

  it.each(['AccessDeniedException', 'InvalidCiphertextException'] as const)(
    '%s is permanent, not retried, and named in a safe message',
    async (kind) => {
      await using fake = await startFakeKms()
      fake.failAll(kind)
      const err = await failure((await unwrapperFor(fake)).unwrap(request))
      expect(err).toMatchObject({ code: 'kms_unwrap', transient: false })
      expectSafeMessage(err.message, kind)
      expect(err.hint).toBeTypeOf('string')
      expect(fake.stats.decryptCalls).toBe(1)
    },
  )

  it('reports an unknown key as permanent NotFoundException', async () => {
    await using fake = await startFakeKms()
    const keyId = 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000'
    const err = await failure((await unwrapperFor(fake)).unwrap({ ...request, keyId }))
    expect(err).toMatchObject({ code: 'kms_unwrap', transient: false })
    expect(err.message).toContain('NotFoundException')
  })

  it('retries throttling with the SDK standard retry, then succeeds', async () => {
    await using fake = await startFakeKms()
    fake.failNext(1, 'ThrottlingException')
    const dek = await (await unwrapperFor(fake)).unwrap(request)
    expect(Buffer.from(dek).toString('base64')).toBe(mapping.dek)
    expect(fake.stats.decryptCalls).toBe(2)
  })

  it('reports persistent throttling as transient after maxAttempts calls', async () => {
    await using fake = await startFakeKms()
    fake.failAll('ThrottlingException')
    const err = await failure((await unwrapperFor(fake, { maxAttempts: 2 })).unwrap(request))
    expect(err).toMatchObject({ code: 'kms_unwrap', transient: true })
    expectSafeMessage(err.message, 'ThrottlingException')
    expect(fake.stats.decryptCalls).toBe(2)
  })

  it.each([
    ['http500', 'HTTP 500'],
    ['KMSInternalException', 'KMSInternalException'],
  ] as const)('reports %s as transient after retrying it', async (kind, type) => {
    await using fake = await startFakeKms()
    fake.failAll(kind)
    const err = await failure((await unwrapperFor(fake)).unwrap(request))
    expect(err).toMatchObject({ code: 'kms_unwrap', transient: true })
    expectSafeMessage(err.message, type)
    expect(fake.stats.decryptCalls).toBe(3)
  })

  it('reports a refused connection as transient', async () => {
    const fake = await startFakeKms()
    await fake.close()
    const err = await failure((await unwrapperFor(fake, { maxAttempts: 1 })).unwrap(request))
    expect(err).toMatchObject({ code: 'kms_unwrap', transient: true })
    expectSafeMessage(err.message, 'ECONNREFUSED')
  })

  it('gives up after timeoutMs with a transient error', async () => {
    await using fake = await startFakeKms()
    fake.latencyMs = 2000
    const started = Date.now()
    const err = await failure((await unwrapperFor(fake, { timeoutMs: 100 })).unwrap(request))
    expect(Date.now() - started).toBeLessThan(1500)
    expect(err).toMatchObject({ code: 'kms_unwrap', transient: true })
    expect(err.message).toContain('timed out after 100 ms')
  })

  it("stops when the caller's signal aborts", async () => {
    await using fake = await startFakeKms()
    fake.latencyMs = 2000
    const kms = await unwrapperFor(fake)
    const started = Date.now()
    const err = await failure(kms.unwrap({ ...request, signal: AbortSignal.timeout(50) }))
    expect(Date.now() - started).toBeLessThan(1500)
    expect(err).toMatchObject({ code: 'kms_unwrap', transient: true })
    expect(err.message).toContain('AbortError')
  })

  it('reports missing credentials as permanent without calling KMS', async () => {
    await using fake = await startFakeKms()
    const noCredentials = (): Promise<never> =>
      Promise.reject(
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
      )
    const client = { ...fake.clientConfig, credentials: noCredentials }
    const err = await failure((await createAwsKmsUnwrapper({ client })).unwrap(request))
    expect(err).toMatchObject({ code: 'kms_unwrap', transient: false })
    expectSafeMessage(err.message, 'CredentialsProviderError')
    expect(fake.stats.requests).toBe(0)
  })
})
