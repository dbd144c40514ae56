import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { VECTORS_DIR, createAgeKey, packArtifact, vector, vectorText } from '@clef-sh/testing'
import {
  buildSigningPayload,
  checkArtifact,
  parseArtifact,
  parseVerifyKey,
  verifySignature,
} from './index.ts'
import type { PackedArtifact } from './index.ts'

const keyFile = (name: string): string => readFileSync(join(VECTORS_DIR, 'keys', name), 'utf8').trim()
const ED_SPKI = keyFile('pub-ed25519.spki.b64')
const ED_PKCS8 = keyFile('pub-ed25519.pkcs8.b64')
const EC_SPKI = keyFile('pub-ecdsa-p256.spki.b64')
const EC_PKCS8 = keyFile('pub-ecdsa-p256.pkcs8.b64')
const NOW = Date.parse('2027-01-01T00:00:00Z')
const codeOf = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (e) {
    return (e as { code?: unknown }).code
  }
  return 'no error'
}
const fromVector = (name: string): PackedArtifact => parseArtifact(vectorText(vector(name)))
const spkiOf = (type: 'ed448' | 'x25519' | 'rsa'): string =>
  generateKeyPairSync(type as 'ed448', {})
    .publicKey.export({ format: 'der', type: 'spki' })
    .toString('base64')

const { recipient } = await createAgeKey()
const packed = async (opts: { signingKey?: string; expiresAt?: string } = {}): Promise<PackedArtifact> =>
  parseArtifact(await packArtifact({ values: { app: { K: 'v' } }, recipient, ...opts }))

describe('buildSigningPayload', () => {
  it('joins the docs/SPEC.md §4 fields with empty placeholders and no trailing newline', () => {
    const a = fromVector('age-basic')
    expect(buildSigningPayload({ ...a, expiresAt: 'E' })).toBe(
      [
        'clef-sig-v3',
        '1',
        a.identity,
        a.environment,
        a.revision,
        a.packedAt,
        a.ciphertextHash,
        'E',
        '',
        '',
        '',
        '',
        '',
        '',
      ].join('\n'),
    )
  })

  it('covers the envelope fields in order', () => {
    const a = fromVector('kms-aws-envelope')
    const e = a.envelope
    expect(buildSigningPayload(a).split('\n').slice(8)).toEqual([
      e?.provider,
      e?.keyId,
      e?.wrappedKey,
      e?.algorithm,
      e?.iv,
      e?.authTag,
    ])
  })
})

describe('parseVerifyKey', () => {
  it('recognises Ed25519 and P-256 keys, tolerating whitespace and line wrapping', () => {
    expect(parseVerifyKey(ED_SPKI).type).toBe('ed25519')
    expect(parseVerifyKey(`  ${EC_SPKI.slice(0, 40)}\n${EC_SPKI.slice(40)}\n`).type).toBe('ecdsa-p256')
  })

  it.each([['not base64 at all!'], [''], ['AAAA'], [Buffer.from('hello world').toString('base64')]])(
    'refuses garbage %j as config_invalid',
    (bad) => {
      expect(codeOf(() => parseVerifyKey(bad))).toBe('config_invalid')
    },
  )

  it('refuses other key types and curves without echoing the key', () => {
    for (const spki of [spkiOf('ed448'), spkiOf('x25519')]) {
      expect(codeOf(() => parseVerifyKey(spki))).toBe('config_invalid')
      expect(() => parseVerifyKey(spki)).not.toThrow(spki)
    }
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64')
    expect(() => parseVerifyKey(p384)).toThrow(/curve secp384r1/)
  })
})

describe('verifySignature', () => {
  it('verifies the signed vectors under their keys and not under the other key', () => {
    expect(verifySignature(fromVector('ed25519-signed'), parseVerifyKey(ED_SPKI))).toBe(true)
    expect(verifySignature(fromVector('ecdsa-p256-signed'), parseVerifyKey(EC_SPKI))).toBe(true)
    expect(verifySignature(fromVector('ed25519-signed'), parseVerifyKey(EC_SPKI))).toBe(false)
    expect(verifySignature(fromVector('ecdsa-p256-signed'), parseVerifyKey(ED_SPKI))).toBe(false)
  })

  it('verifies fresh artifacts signed with each private key, including expiresAt', async () => {
    const ed = await packed({ signingKey: ED_PKCS8, expiresAt: '2099-01-01T00:00:00.000Z' })
    const ec = await packed({ signingKey: EC_PKCS8 })
    expect(ed.signatureAlgorithm).toBe('Ed25519')
    expect(ec.signatureAlgorithm).toBe('ECDSA_SHA256')
    expect(() => {
      checkArtifact(ed, { now: NOW, verifyKey: parseVerifyKey(ED_SPKI) })
    }).not.toThrow()
    expect(() => {
      checkArtifact(ec, { now: NOW, verifyKey: parseVerifyKey(EC_SPKI) })
    }).not.toThrow()
    expect(verifySignature({ ...ed, expiresAt: '2099-01-01T00:00:00.001Z' }, parseVerifyKey(ED_SPKI))).toBe(
      false,
    )
  })

  it('refuses a signature made with a different key of the same type', async () => {
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' })
    const a = await packed({ signingKey: other.toString('base64') })
    expect(
      codeOf(() => {
        checkArtifact(a, { now: NOW, verifyKey: parseVerifyKey(ED_SPKI) })
      }),
    ).toBe('signature_invalid')
  })

  it('ignores a lying signatureAlgorithm: the key type decides', () => {
    const ec = fromVector('ecdsa-p256-signed')
    expect(verifySignature({ ...ec, signatureAlgorithm: 'Ed25519' }, parseVerifyKey(EC_SPKI))).toBe(true)
    const ed = fromVector('ed25519-signed')
    expect(verifySignature({ ...ed, signatureAlgorithm: 'ECDSA_SHA256' }, parseVerifyKey(ED_SPKI))).toBe(true)
    expect(verifySignature({ ...ed, signatureAlgorithm: 'none' }, parseVerifyKey(EC_SPKI))).toBe(false)
  })

  it('returns false for malformed signatures instead of throwing', () => {
    const a = fromVector('ed25519-signed')
    for (const key of [parseVerifyKey(ED_SPKI), parseVerifyKey(EC_SPKI)]) {
      for (const signature of ['', '!!!', 'AAAA', Buffer.alloc(200, 7).toString('base64')]) {
        expect(verifySignature({ ...a, signature }, key)).toBe(false)
      }
    }
  })

  it('requires a signature only when a verify key is configured', async () => {
    const a = await packed()
    expect(() => {
      checkArtifact(a, { now: NOW })
    }).not.toThrow()
    expect(
      codeOf(() => {
        checkArtifact(a, { now: NOW, verifyKey: parseVerifyKey(EC_SPKI) })
      }),
    ).toBe('signature_missing')
    expect(
      codeOf(() => {
        checkArtifact({ ...a, signature: '' }, { now: NOW, verifyKey: parseVerifyKey(EC_SPKI) })
      }),
    ).toBe('signature_missing')
  })

  it('detects tampering with a signed envelope field', () => {
    const a = fromVector('kms-aws-ed25519-signed')
    const key = parseVerifyKey(ED_SPKI)
    expect(verifySignature(a, key)).toBe(true)
    if (a.envelope === undefined) throw new Error('vector has an envelope')
    expect(verifySignature({ ...a, envelope: { ...a.envelope, keyId: 'arn:other' } }, key)).toBe(false)
  })
})
