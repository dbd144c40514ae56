import { describe, expect, it } from 'vitest'
import { vector, vectorText } from '@clef-sh/testing'
import { checkArtifact, expiresAtMs, isExpired, parseArtifact, validateArtifact } from './index.ts'
import type { PackedArtifact } from './index.ts'

const NOW = Date.parse('2027-01-01T00:00:00Z')
const codeOf = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (e) {
    return (e as { code?: unknown }).code
  }
  return 'no error'
}
const basic = (): PackedArtifact => parseArtifact(vectorText(vector('age-basic')))

describe('expiry', () => {
  it('reads expiresAt as unix ms', () => {
    const a = { ...basic(), expiresAt: '2027-01-01T00:00:01.000Z' }
    expect(expiresAtMs(a)).toBe(NOW + 1000)
    expect(expiresAtMs(basic())).toBeUndefined()
  })

  it('is expired at and after expiresAt, never without one', () => {
    const a = { ...basic(), expiresAt: '2027-01-01T00:00:00.000Z' }
    expect(isExpired(a, NOW - 1)).toBe(false)
    expect(isExpired(a, NOW)).toBe(true)
    expect(isExpired(basic(), Number.MAX_SAFE_INTEGER)).toBe(false)
  })

  it('refuses an expired artifact before checking its hash', () => {
    const a = { ...basic(), expiresAt: '2026-01-01T00:00:00Z', ciphertextHash: '00' }
    expect(
      codeOf(() => {
        checkArtifact(a, { now: NOW })
      }),
    ).toBe('expired')
  })
})

describe('integrity', () => {
  it('accepts the matching hash and refuses any other', () => {
    expect(() => {
      checkArtifact(basic(), { now: NOW })
    }).not.toThrow()
    const a = basic()
    const upper = { ...a, ciphertextHash: a.ciphertextHash.toUpperCase() }
    expect(
      codeOf(() => {
        checkArtifact(upper, { now: NOW })
      }),
    ).toBe('integrity')
    expect(
      codeOf(() => {
        checkArtifact({ ...a, ciphertext: `${a.ciphertext}AA==` }, { now: NOW })
      }),
    ).toBe('integrity')
  })
})

describe('validateArtifact', () => {
  it('runs parse then check and returns the artifact', () => {
    const a = validateArtifact(vectorText(vector('expires-2099')), { now: NOW })
    expect(a.expiresAt).toBe('2099-06-30T11:59:59.284Z')
  })

  it('follows the check order: shape before expiry', () => {
    const t = JSON.stringify({ ...basic(), expiresAt: '2020-01-01T00:00:00Z', identity: '' })
    expect(codeOf(() => validateArtifact(t, { now: NOW }))).toBe('invalid_shape')
  })
})
