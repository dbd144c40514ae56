import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { hkdfSync } from 'node:crypto'
import { hkdfSha256 } from './hkdf.ts'

describe('hkdfSha256', () => {
  it('matches RFC 5869 test case 1 (first 32 bytes)', () => {
    const ikm = Buffer.alloc(22, 0x0b)
    const salt = Buffer.from('000102030405060708090a0b0c', 'hex')
    const info = Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex')
    expect(hkdfSha256(ikm, salt, info).toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf',
    )
  })

  it("equals node's hkdfSync for any key, salt (empty included) and info", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 40 }),
        (ikm, salt, info) => {
          const expected = Buffer.from(hkdfSync('sha256', ikm, salt, info, 32))
          expect(hkdfSha256(ikm, salt, info)).toEqual(expected)
        },
      ),
      { numRuns: 200 },
    )
  })
})
