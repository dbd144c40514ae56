import { describe, expect, it } from 'vitest'
import { AgentError } from '@clef-sh/errors'
import { createInProcessKms, vector } from '@clef-sh/testing'
import { createDecryptor } from './index.ts'
import type { KmsResolver } from './index.ts'
import { artifactOf, envelopeOf, failure } from './test-helpers.ts'

describe('KMS envelope artifacts', () => {
  it('kms-aws-envelope: unwraps through the resolver and decrypts', async () => {
    const v = vector('kms-aws-envelope')
    const kms = createInProcessKms()
    const seen: string[] = []
    const resolver: KmsResolver = (p) => {
      seen.push(p)
      return Promise.resolve(kms)
    }
    const values = await createDecryptor({ kms: resolver }).decrypt(artifactOf(v.name))
    expect(v.expect.ok && values).toStrictEqual(v.expect.ok && v.expect.values)
    expect(seen).toEqual(['aws'])
    expect(kms.requests[0]).toMatchObject({ keyId: v.kms?.keyId, algorithm: 'SYMMETRIC_DEFAULT' })
    expect(Buffer.from(kms.requests[0]?.wrappedKey ?? []).toString('base64')).toBe(v.kms?.wrappedKey)
  })

  it('zeroes the DEK buffer after use, on success and on failure', async () => {
    const kms = createInProcessKms()
    const d = createDecryptor({ kms: kms.resolver })
    await d.decrypt(artifactOf('kms-aws-ed25519-signed'))
    await failure(d.decrypt(artifactOf('kms-corrupted-authtag')))
    expect(kms.issued).toHaveLength(2)
    for (const dek of kms.issued) {
      expect(dek).toHaveLength(32)
      expect(dek.every((b) => b === 0)).toBe(true)
    }
  })

  it('kms-corrupted-authtag: unwrap succeeds, AES-GCM refuses with decrypt', async () => {
    const err = await failure(
      createDecryptor({ kms: createInProcessKms().resolver }).decrypt(artifactOf('kms-corrupted-authtag')),
    )
    expect(err.code).toBe('decrypt')
  })

  it('maps an unknown wrapped key (a plain KMS error) to kms_unwrap', async () => {
    const a = artifactOf('kms-aws-envelope')
    const envelope = { ...envelopeOf(a), wrappedKey: 'AAAA' }
    const err = await failure(
      createDecryptor({ kms: createInProcessKms().resolver }).decrypt({ ...a, envelope }),
    )
    expect(err.code).toBe('kms_unwrap')
    expect(err.message).toContain('InvalidCiphertextException')
  })

  it('passes AgentErrors of the unwrapper through with their transient flag', async () => {
    const throttled = new AgentError('kms_unwrap', 'ThrottlingException', { transient: true })
    const kms = { provider: 'aws', unwrap: async () => Promise.reject(throttled) }
    const err = await failure(
      createDecryptor({ kms: () => Promise.resolve(kms) }).decrypt(artifactOf('kms-aws-envelope')),
    )
    expect(err).toBe(throttled)
    expect(err.transient).toBe(true)
  })

  it('refuses a DEK that is not 32 bytes as kms_unwrap, and still zeroes it', async () => {
    const dek = Buffer.alloc(16, 9)
    const kms = { provider: 'aws', unwrap: () => Promise.resolve(dek) }
    const err = await failure(
      createDecryptor({ kms: () => Promise.resolve(kms) }).decrypt(artifactOf('kms-aws-envelope')),
    )
    expect(err.code).toBe('kms_unwrap')
    expect(dek.every((b) => b === 0)).toBe(true)
  })

  it('forwards the abort signal to the unwrapper', async () => {
    const kms = createInProcessKms()
    const signal = new AbortController().signal
    await createDecryptor({ kms: kms.resolver }).decrypt(artifactOf('kms-aws-envelope'), { signal })
    expect(kms.requests[0]?.signal).toBe(signal)
  })

  it('refuses an envelope with a bad iv length as decrypt', async () => {
    const a = artifactOf('kms-aws-envelope')
    const envelope = { ...envelopeOf(a), iv: Buffer.alloc(16).toString('base64') }
    const err = await failure(
      createDecryptor({ kms: createInProcessKms().resolver }).decrypt({ ...a, envelope }),
    )
    expect(err.code).toBe('decrypt')
  })

  it('reports kms_unsupported_provider without a resolver, naming the provider', async () => {
    const err = await failure(
      createDecryptor({ ageIdentity: undefined }).decrypt(artifactOf('kms-aws-envelope')),
    )
    expect(err.code).toBe('kms_unsupported_provider')
    expect(err.message).toContain('aws')
  })

  it('lets the resolver refuse an unknown provider, and wraps a resolver crash as kms_unwrap', async () => {
    const a = artifactOf('kms-aws-envelope')
    const gcp = { ...a, envelope: { ...envelopeOf(a), provider: 'gcp' } }
    expect((await failure(createDecryptor({ kms: createInProcessKms().resolver }).decrypt(gcp))).code).toBe(
      'kms_unsupported_provider',
    )
    const crash: KmsResolver = async () => Promise.reject(new Error('cannot load SDK'))
    expect((await failure(createDecryptor({ kms: crash }).decrypt(a))).code).toBe('kms_unwrap')
  })
})
