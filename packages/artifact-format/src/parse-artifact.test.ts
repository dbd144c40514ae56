import { describe, expect, it } from 'vitest'
import { vector, vectorText } from '@clef-sh/testing'
import { parseArtifact } from './index.ts'

const base = (): Record<string, unknown> =>
  JSON.parse(vectorText(vector('age-basic'))) as Record<string, unknown>
const envelopeBase = (): Record<string, unknown> =>
  JSON.parse(vectorText(vector('kms-aws-envelope'))) as Record<string, unknown>
const text = (o: unknown): string => JSON.stringify(o)
const codeOf = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (e) {
    return (e as { code?: unknown }).code
  }
  return 'no error'
}

describe('parseArtifact', () => {
  it('returns exactly the known fields, dropping unknown ones', () => {
    const a = parseArtifact(text({ ...base(), futureField: { x: 1 }, revokedBy: null }))
    expect(Object.keys(a)).toEqual([
      'version',
      'identity',
      'environment',
      'packedAt',
      'revision',
      'ciphertextHash',
      'ciphertext',
    ])
    expect(a.revision).toBe('1795623356246-4ec43045')
  })

  it('keeps envelope, expiry and signature fields and drops unknown envelope fields', () => {
    const env = envelopeBase()
    const a = parseArtifact(
      text({
        ...env,
        envelope: { ...(env['envelope'] as object), extra: 1 },
        expiresAt: '2099-01-01T00:00:00Z',
      }),
    )
    expect(Object.keys(a.envelope ?? {})).toEqual([
      'provider',
      'keyId',
      'wrappedKey',
      'algorithm',
      'iv',
      'authTag',
    ])
    expect(a.envelope?.provider).toBe('aws')
    expect(a.expiresAt).toBe('2099-01-01T00:00:00Z')
  })

  it('refuses text that is not JSON without quoting it', () => {
    expect(codeOf(() => parseArtifact('{"ciphertext": "c2VjcmV0'))).toBe('json_parse')
    expect(() => parseArtifact('{"ciphertext": "c2VjcmV0')).not.toThrow(/c2VjcmV0/)
  })

  it('reports revocation before anything else, even on a garbage marker', () => {
    expect(codeOf(() => parseArtifact('{"revokedAt": 42}'))).toBe('revoked')
    expect(() => parseArtifact(text({ version: 'x', revokedAt: '2026-01-01T00:00:00Z' }))).toThrow(
      /revoked at 2026-01-01/,
    )
    expect(codeOf(() => parseArtifact(text({ ...base(), revokedAt: '' })))).toBe('revoked')
  })

  it('ignores a null revokedAt', () => {
    expect(parseArtifact(text({ ...base(), revokedAt: null })).identity).toBe('api-gateway')
  })

  it.each([['null'], ['[]'], ['"artifact"'], ['1']])('refuses the non-object %s', (t) => {
    expect(codeOf(() => parseArtifact(t))).toBe('invalid_shape')
  })

  it('checks the version: missing or non-number is a shape error, another number unsupported', () => {
    const noVersion = base()
    delete noVersion['version']
    expect(codeOf(() => parseArtifact(text(noVersion)))).toBe('invalid_shape')
    expect(codeOf(() => parseArtifact(text({ ...base(), version: '1' })))).toBe('invalid_shape')
    expect(codeOf(() => parseArtifact(text({ ...base(), version: 2 })))).toBe('unsupported_version')
    expect(codeOf(() => parseArtifact(text({ ...base(), version: 0 })))).toBe('unsupported_version')
  })

  it.each(['identity', 'environment', 'packedAt', 'revision', 'ciphertextHash', 'ciphertext'])(
    'requires %s to be a non-empty string, naming it',
    (field) => {
      for (const bad of [undefined, '', 7, null, ['x']]) {
        expect(codeOf(() => parseArtifact(text({ ...base(), [field]: bad })))).toBe('invalid_shape')
        expect(() => parseArtifact(text({ ...base(), [field]: bad }))).toThrow(`'${field}'`)
      }
    },
  )

  it('treats null optional fields as absent', () => {
    const a = parseArtifact(
      text({ ...base(), envelope: null, expiresAt: null, signature: null, signatureAlgorithm: null }),
    )
    expect(a).not.toHaveProperty('envelope')
    expect(a).not.toHaveProperty('expiresAt')
    expect(a).not.toHaveProperty('signature')
    expect(a).not.toHaveProperty('signatureAlgorithm')
  })

  it.each([
    ['expiresAt', 12345],
    ['expiresAt', 'next tuesday'],
    ['expiresAt', ''],
    ['signature', 42],
    ['signatureAlgorithm', { alg: 'none' }],
    ['envelope', 'aws'],
    ['envelope', ['aws']],
  ])('refuses %s = %j', (field, bad) => {
    expect(codeOf(() => parseArtifact(text({ ...base(), [field]: bad })))).toBe('invalid_shape')
  })

  it.each(['provider', 'keyId', 'wrappedKey', 'algorithm', 'iv', 'authTag'])(
    'refuses an envelope without %s, naming it',
    (field) => {
      const env = envelopeBase()
      const envelope = Object.fromEntries(
        Object.entries(env['envelope'] as Record<string, unknown>).filter(([key]) => key !== field),
      )
      expect(codeOf(() => parseArtifact(text({ ...env, envelope })))).toBe('invalid_shape')
      expect(() => parseArtifact(text({ ...env, envelope }))).toThrow(`envelope.${field}`)
      expect(codeOf(() => parseArtifact(text({ ...env, envelope: { ...envelope, [field]: '' } })))).toBe(
        'invalid_shape',
      )
    },
  )
})
