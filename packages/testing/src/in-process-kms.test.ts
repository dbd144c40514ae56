import { describe, expect, it } from 'vitest'
import { loadKmsMappings } from './fake-kms.ts'
import { createInProcessKms } from './in-process-kms.ts'

const request = (keyId: string, wrappedKey: string) => ({
  keyId,
  wrappedKey: Buffer.from(wrappedKey, 'base64'),
  algorithm: 'SYMMETRIC_DEFAULT',
})

describe('createInProcessKms', () => {
  const [known] = loadKmsMappings()
  if (known === undefined) throw new Error('the vectors have no KMS mapping')

  it('unwraps the vectors’ keys and the extra ones, recording requests and DEKs', async () => {
    const extra = { keyId: 'arn:test', wrappedKey: Buffer.from('w').toString('base64'), dek: 'AAEC' }
    const kms = createInProcessKms([extra])
    expect(Buffer.from(await kms.unwrap(request(known.keyId, known.wrappedKey))).toString('base64')).toBe(
      known.dek,
    )
    expect([...(await (await kms.resolver('aws')).unwrap(request(extra.keyId, extra.wrappedKey)))]).toEqual([
      0, 1, 2,
    ])
    expect(kms.unwraps()).toBe(2)
    expect(kms.issued).toHaveLength(2)
  })

  it('refuses unknown keys, a refused grant and other providers', async () => {
    const kms = createInProcessKms()
    await expect(kms.unwrap(request('arn:other', known.wrappedKey))).rejects.toThrow(
      'InvalidCiphertextException',
    )
    kms.refuse = true
    await expect(kms.unwrap(request(known.keyId, known.wrappedKey))).rejects.toThrow('AccessDeniedException')
    await expect(kms.resolver('gcp')).rejects.toMatchObject({ code: 'kms_unsupported_provider' })
    expect(kms.unwraps()).toBe(2)
    expect(kms.issued).toEqual([])
  })
})
