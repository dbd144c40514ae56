import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateHybridIdentity, identityToRecipient } from 'age-encryption'
import { compareRevisions, parseArtifact, parseVerifyKey, validateArtifact } from '@clef-sh/artifact-format'
import { createAgeKey, createInProcessKms, newRevision, packArtifact, VECTORS_DIR } from '@clef-sh/testing'
import { createDecryptor } from './index.ts'

const keyFile = (name: string): string => readFileSync(join(VECTORS_DIR, 'keys', name), 'utf8')
const NOW = Date.parse('2027-01-01T00:00:00Z')
const codeOf = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (e) {
    return (e as { code?: unknown }).code
  }
  return 'no error'
}

describe('pack.ts round trip through artifact-format and decrypt', () => {
  it('packs an X25519 artifact the agent validates and decrypts', async () => {
    const { identity, recipient } = await createAgeKey()
    const values = { b: { Z: 'z', A: 'ä' }, a: { K: '' } }
    const text = await packArtifact({ values, recipient, identity: 'svc', environment: 'dev' })
    const a = parseArtifact(text)
    expect(a).toMatchObject({ identity: 'svc', environment: 'dev' })
    expect(JSON.stringify(await createDecryptor({ ageIdentity: identity }).decrypt(a))).toBe(
      JSON.stringify(values),
    )
  })

  it('packs for a hybrid post-quantum recipient', async () => {
    const identity = await generateHybridIdentity()
    const text = await packArtifact({
      values: { pq: { K: 'v' } },
      recipient: await identityToRecipient(identity),
    })
    expect(await createDecryptor({ ageIdentity: identity }).decrypt(parseArtifact(text))).toEqual({
      pq: { K: 'v' },
    })
  })

  it('packs a KMS envelope artifact', async () => {
    const dek = Buffer.alloc(32, 7)
    const mapping = {
      keyId: 'arn:aws:kms:test',
      wrappedKey: Buffer.from('wrapped').toString('base64'),
      dek: dek.toString('base64'),
    }
    const text = await packArtifact({ values: { k: { V: '1' } }, envelope: { ...mapping, dek } })
    const a = parseArtifact(text)
    expect(a.envelope).toMatchObject({
      provider: 'aws',
      algorithm: 'SYMMETRIC_DEFAULT',
      keyId: 'arn:aws:kms:test',
    })
    const values = await createDecryptor({ kms: createInProcessKms([mapping]).resolver }).decrypt(a)
    expect(values).toEqual({ k: { V: '1' } })
  })

  it.each([
    ['Ed25519', 'pub-ed25519'],
    ['ECDSA_SHA256', 'pub-ecdsa-p256'],
  ])('signs with %s so that validateArtifact accepts it under the vector key', async (alg, key) => {
    const { identity, recipient } = await createAgeKey()
    const verifyKey = parseVerifyKey(keyFile(`${key}.spki.b64`))
    const signingKey = keyFile(`${key}.pkcs8.b64`).trim()
    const expiresAt = new Date(NOW + 60_000).toISOString()
    const text = await packArtifact({ values: { a: { K: 'v' } }, recipient, signingKey, expiresAt })
    const a = validateArtifact(text, { now: NOW, verifyKey })
    expect(a).toMatchObject({ signatureAlgorithm: alg, expiresAt })
    expect(await createDecryptor({ ageIdentity: identity }).decrypt(a)).toEqual({ a: { K: 'v' } })
    expect(codeOf(() => validateArtifact(text, { now: NOW + 60_000, verifyKey }))).toBe('expired')
  })

  it('signs the envelope fields too', async () => {
    const envelope = { dek: Buffer.alloc(32, 1), keyId: 'k', wrappedKey: 'd3JhcHBlZA==' }
    const signingKey = keyFile('pub-ed25519.pkcs8.b64')
    const verifyKey = parseVerifyKey(keyFile('pub-ed25519.spki.b64'))
    const text = await packArtifact({ values: { a: { K: 'v' } }, envelope, signingKey })
    expect(codeOf(() => validateArtifact(text, { now: NOW, verifyKey }))).toBe('no error')
    const swapped = text.replace('"keyId": "k"', '"keyId": "k2"')
    expect(codeOf(() => validateArtifact(swapped, { now: NOW, verifyKey }))).toBe('signature_invalid')
  })

  it('uses extra to build each kind of bad artifact', async () => {
    const { recipient } = await createAgeKey()
    const signingKey = keyFile('pub-ed25519.pkcs8.b64')
    const verifyKey = parseVerifyKey(keyFile('pub-ed25519.spki.b64'))
    const bad = async (extra: Record<string, unknown>): Promise<unknown> => {
      const text = await packArtifact({ values: { a: { K: 'v' } }, recipient, signingKey, extra })
      return codeOf(() => validateArtifact(text, { now: NOW, verifyKey }))
    }
    expect(await bad({ environment: 'staging' })).toBe('signature_invalid')
    expect(await bad({ ciphertextHash: undefined })).toBe('invalid_shape')
    expect(await bad({ version: 2 })).toBe('unsupported_version')
    expect(await bad({ revokedAt: new Date(NOW).toISOString() })).toBe('revoked')
    expect(await bad({ ciphertextHash: '0'.repeat(64) })).toBe('integrity')
    expect(await bad({ signature: undefined })).toBe('signature_missing')
  })

  it('makes revisions that order by time', async () => {
    const { recipient } = await createAgeKey()
    const older = parseArtifact(await packArtifact({ values: {}, recipient, revision: newRevision(NOW) }))
    const newer = parseArtifact(await packArtifact({ values: {}, recipient, revision: newRevision(NOW + 1) }))
    expect(compareRevisions(older.revision, newer.revision)).toBe(-1)
  })
})
