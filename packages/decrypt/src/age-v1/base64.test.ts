import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeBase64 } from './base64.ts'

describe('decodeBase64 (unpadded, canonical)', () => {
  it('decodes what age writes', () => {
    expect(decodeBase64('')).toEqual(Buffer.alloc(0))
    expect(decodeBase64('AA')).toEqual(Buffer.from([0]))
    expect(decodeBase64('AAE')).toEqual(Buffer.from([0, 1]))
    expect(decodeBase64('/+/+')).toEqual(Buffer.from([0xff, 0xef, 0xfe]))
  })

  it.each([
    ['padding', 'AA=='],
    ['a single trailing char', 'AAAAA'],
    ['non-zero spare bits after 1 byte', 'AB'],
    ['non-zero spare bits after 2 bytes', 'AAB'],
    ['the URL alphabet', 'AA-_'],
    ['a space', 'AA AA'],
    ['a newline', 'AAAA\n'],
    ['a non-ASCII char', 'AAA\u00e9'],
  ])('rejects %s', (_, s) => {
    expect(decodeBase64(s)).toBeUndefined()
  })

  it('round-trips every byte string and accepts only its one encoding (seed printed on failure)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.nat(), (bytes, at) => {
        const text = Buffer.from(bytes).toString('base64').replace(/=+$/, '')
        expect(decodeBase64(text)).toEqual(Buffer.from(bytes))
        if (text.length === 0) return
        // Any other character at any position is another encoding or no encoding at all.
        const i = at % text.length
        const other = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1)
        const decoded = decodeBase64(other)
        if (decoded !== undefined) expect(decoded).not.toEqual(Buffer.from(bytes))
      }),
      { numRuns: 200 },
    )
  })

  it('accepts a string exactly when it re-encodes to itself', () => {
    const chars = fc.constantFrom(...'AB+/=-_ \nQgw09'.split(''))
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 12 }), (s) => {
        const lenient = Buffer.from(s, 'base64')
        const canonical = /^[A-Za-z0-9+/]*$/.test(s) && lenient.toString('base64').replace(/=+$/, '') === s
        expect(decodeBase64(s)).toEqual(canonical ? lenient : undefined)
      }),
      { numRuns: 300 },
    )
  })
})
