import { describe, expect, it } from 'vitest'
import { loadVectors, vectorText } from '@clef-sh/testing'
import { parseVerifyKey, validateArtifact } from './index.ts'

// Reasons that only decryption can find: validation must let those artifacts through.
const DECRYPT_REASONS = new Set(['decrypt', 'kms_unwrap'])
const NOW = Date.parse('2027-06-01T00:00:00Z')

const validate = (v: ReturnType<typeof loadVectors>[number]): unknown =>
  validateArtifact(vectorText(v), {
    now: NOW,
    verifyKey: v.verifyKey === null ? undefined : parseVerifyKey(v.verifyKey),
  })

describe('conformance vectors through validateArtifact', () => {
  for (const v of loadVectors()) {
    const e = v.expect
    if (e.ok || DECRYPT_REASONS.has(e.reason)) {
      it(`${v.name}: passes validation`, () => {
        const a = validate(v)
        expect(a).toMatchObject({ version: 1 })
        if (e.ok) expect(a).toMatchObject({ revision: e.revision })
      })
    } else {
      it(`${v.name}: is refused as ${e.reason}`, () => {
        let code: unknown
        try {
          validate(v)
        } catch (err) {
          code = (err as { code?: unknown }).code
        }
        expect(code).toBe(e.reason)
      })
    }
  }

  it('covers every non-decrypt reason', () => {
    const reasons = new Set(loadVectors().flatMap((v) => (v.expect.ok ? [] : [v.expect.reason])))
    for (const r of [
      'json_parse',
      'revoked',
      'invalid_shape',
      'unsupported_version',
      'expired',
      'integrity',
    ]) {
      expect(reasons).toContain(r)
    }
    expect(reasons).toContain('signature_missing')
    expect(reasons).toContain('signature_invalid')
  })
})
