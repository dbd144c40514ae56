import { describe, expect, it } from 'vitest'
import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import { parseArtifact } from '@clef-sh/artifact-format'
import { packArtifact, startFakeKms, vector, type FakeKms } from '@clef-sh/testing'
import { createDecryptor } from '../create-decryptor.ts'
import { artifactOf, envelopeOf, failure } from '../test-helpers.ts'
import { createKmsResolver } from './kms-resolver.ts'

const decryptorFor = (fake: FakeKms) =>
  createDecryptor({ kms: createKmsResolver({ aws: { client: fake.clientConfig } }) })

describe('createKmsResolver + createDecryptor against the fake KMS (real SDK)', () => {
  it.each(['kms-aws-envelope', 'kms-aws-ed25519-signed'])(
    '%s: serves exactly the expected values',
    async (name) => {
      await using fake = await startFakeKms()
      const v = vector(name)
      if (!v.expect.ok) throw new Error(`${name} is expected to succeed`)
      const values = await decryptorFor(fake).decrypt(artifactOf(name))
      expect(values).toStrictEqual(v.expect.values)
      expect(Object.keys(values)).toEqual(Object.keys(v.expect.values))
      expect(fake.stats.decryptCalls).toBe(1)
    },
  )

  it('kms-corrupted-authtag: KMS unwraps, AES-GCM refuses with decrypt', async () => {
    await using fake = await startFakeKms()
    const err = await failure(decryptorFor(fake).decrypt(artifactOf('kms-corrupted-authtag')))
    expect(err.code).toBe('decrypt')
    expect(fake.stats.decryptCalls).toBe(1)
  })

  it('AccessDenied reaches the decryptor caller as permanent kms_unwrap', async () => {
    await using fake = await startFakeKms()
    fake.failAll('AccessDeniedException')
    const err = await failure(decryptorFor(fake).decrypt(artifactOf('kms-aws-envelope')))
    expect(err).toMatchObject({ code: 'kms_unwrap', transient: false })
    expect(err.message).toContain('AccessDeniedException')
  })

  it('a KMS outage reaches the decryptor caller as transient kms_unwrap', async () => {
    await using fake = await startFakeKms()
    fake.failAll('http500')
    const err = await failure(decryptorFor(fake).decrypt(artifactOf('kms-aws-envelope')))
    expect(err).toMatchObject({ code: 'kms_unwrap', transient: true })
    expect(err.message).toContain('HTTP 500')
  })

  it('round-trips an artifact packed under a fresh key with GenerateDataKey', async () => {
    await using fake = await startFakeKms({ mappings: [] })
    const keyId = fake.createKey()
    const client = new KMSClient(fake.clientConfig)
    const data = await client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }))
    client.destroy()
    const dek = data.Plaintext ?? new Uint8Array()
    const wrappedKey = Buffer.from(data.CiphertextBlob ?? []).toString('base64')
    const values = { app: { DB_URL: 'postgres://db/app', TOKEN: 'tok-123' }, web: { PORT: '8080' } }
    const text = await packArtifact({ values, envelope: { dek, keyId, wrappedKey } })
    expect(await decryptorFor(fake).decrypt(parseArtifact(text))).toStrictEqual(values)
    expect(fake.stats.generateDataKeyCalls).toBe(1)
    expect(fake.stats.decryptCalls).toBe(1)
  })

  it('creates the AWS adapter once, even for concurrent first envelopes', async () => {
    await using fake = await startFakeKms()
    const resolver = createKmsResolver({ aws: { client: fake.clientConfig } })
    const [a, b] = await Promise.all([resolver('aws'), resolver('aws')])
    expect(a).toBe(b)
    expect(await resolver('aws')).toBe(a)
  })

  it.each(['gcp', 'azure', 'vault'])('refuses provider %s as kms_unsupported_provider', async (provider) => {
    const resolver = createKmsResolver()
    const direct = await failure(resolver(provider))
    expect(direct).toMatchObject({ code: 'kms_unsupported_provider', transient: false })
    expect(direct.message).toContain(provider)
    expect(direct.message).toContain('supports aws only')
    const a = artifactOf('kms-aws-envelope')
    const artifact = { ...a, envelope: { ...envelopeOf(a), provider } }
    const err = await failure(createDecryptor({ kms: resolver }).decrypt(artifact))
    expect(err.code).toBe('kms_unsupported_provider')
  })
})
