import { createHash, createPublicKey, verify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Decrypter } from 'age-encryption'
import { describe, expect, it } from 'vitest'
import { createAgeKey, newRevision, packArtifact } from './pack.ts'
import { VECTORS_DIR, vector, vectorText } from './vectors.ts'

const keyFile = (name: string): string => readFileSync(join(VECTORS_DIR, 'keys', name), 'utf8').trim()
const keysOf = (text: string): string[] => Object.keys(JSON.parse(text) as object)
const { identity, recipient } = await createAgeKey()
const values = { app: { A: '1' } }

describe('newRevision', () => {
  it('is <ms>-<8 hex>, fresh each time', () => {
    expect(newRevision(1795623356246)).toMatch(/^1795623356246-[0-9a-f]{8}$/)
    expect(newRevision()).not.toBe(newRevision())
  })
})

describe('packArtifact', () => {
  it('writes the packer layout: field order, 2-space JSON, no trailing newline', async () => {
    const text = await packArtifact({ values, recipient })
    expect(keysOf(text)).toEqual(keysOf(vectorText(vector('age-basic'))))
    expect(text).toMatch(/^\{\n {2}"version": 1,\n {2}"identity": "api",\n/)
    expect(text.endsWith('\n}')).toBe(true)
  })

  it('orders expiry and signature fields like the packer', async () => {
    const text = await packArtifact({
      values,
      recipient,
      expiresAt: '2099-01-01T00:00:00.000Z',
      signingKey: keyFile('pub-ed25519.pkcs8.b64'),
    })
    expect(keysOf(text)).toEqual(keysOf(vectorText(vector('expired'))))
    const envelope = { dek: Buffer.alloc(32), keyId: 'k', wrappedKey: 'AA==' }
    const kms = await packArtifact({ values, envelope, signingKey: keyFile('pub-ed25519.pkcs8.b64') })
    expect(keysOf(kms)).toEqual(keysOf(vectorText(vector('kms-aws-ed25519-signed'))))
  })

  it('encrypts the values to the recipient and hashes the base64 text', async () => {
    const a = JSON.parse(await packArtifact({ values, recipient })) as Record<string, string>
    const ciphertext = a['ciphertext'] ?? ''
    expect(a['ciphertextHash']).toBe(createHash('sha256').update(ciphertext).digest('hex'))
    const d = new Decrypter()
    d.addIdentity(identity)
    expect(await d.decrypt(Buffer.from(ciphertext, 'base64'), 'text')).toBe(JSON.stringify(values))
  })

  it('uses the given metadata and derives packedAt and revision from one clock reading', async () => {
    const given = JSON.parse(
      await packArtifact({
        values,
        recipient,
        identity: 'i',
        environment: 'e',
        revision: 'r',
        packedAt: 'p',
      }),
    ) as Record<string, unknown>
    expect(given).toMatchObject({ identity: 'i', environment: 'e', revision: 'r', packedAt: 'p' })
    const d = JSON.parse(await packArtifact({ values, recipient })) as Record<string, string>
    expect(Date.parse(d['packedAt'] ?? '')).toBe(Number(d['revision']?.split('-')[0]))
  })

  it.each([
    ['pub-ed25519', 'Ed25519', null],
    ['pub-ecdsa-p256', 'ECDSA_SHA256', 'sha256'],
  ])('signs the docs/SPEC.md §4 payload with %s', async (key, alg, digest) => {
    const text = await packArtifact({ values, recipient, signingKey: keyFile(`${key}.pkcs8.b64`) })
    const a = JSON.parse(text) as Record<string, string>
    expect(a['signatureAlgorithm']).toBe(alg)
    const payload = [
      'clef-sig-v3',
      '1',
      'api',
      'production',
      a['revision'],
      a['packedAt'],
      a['ciphertextHash'],
    ]
      .concat(['', '', '', '', '', '', ''])
      .join('\n')
    const pub = createPublicKey({
      key: Buffer.from(keyFile(`${key}.spki.b64`), 'base64'),
      format: 'der',
      type: 'spki',
    })
    const sig = Buffer.from(a['signature'] ?? '', 'base64')
    expect(verify(digest, Buffer.from(payload), { key: pub, dsaEncoding: 'der' }, sig)).toBe(true)
  })

  it('merges extra last, so it can change or drop fields after signing', async () => {
    const text = await packArtifact({
      values,
      recipient,
      signingKey: keyFile('pub-ed25519.pkcs8.b64'),
      extra: { environment: 'tampered', ciphertextHash: undefined, unknown: true },
    })
    const a = JSON.parse(text) as Record<string, unknown>
    expect(a['environment']).toBe('tampered')
    expect(a).not.toHaveProperty('ciphertextHash')
    expect(a['unknown']).toBe(true)
  })

  it('needs a recipient or an envelope', async () => {
    await expect(packArtifact({ values })).rejects.toThrow(/recipient or an envelope/)
  })
})
