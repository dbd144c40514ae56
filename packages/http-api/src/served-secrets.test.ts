import { describe, expect, it } from 'vitest'
import { createServedSecrets, type KeyLookup } from './index.ts'

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
const bodyOf = (hit: KeyLookup): unknown => {
  if (!hit.found) throw new Error('expected a hit')
  return JSON.parse(text(hit.body))
}

const VALUES = {
  zeta: { B: 'b-z', A: 'a-z', ONLY_Z: 'z' },
  alpha: { B: 'b-a', 'dot.ted-key': 'd', clé: 'välue ✓ 🔐' },
}

describe('createServedSecrets', () => {
  const served = createServedSecrets('1700000000000-0123abcd', VALUES)

  it('keeps the revision', () => {
    expect(served.revision).toBe('1700000000000-0123abcd')
  })

  it('serializes all secrets as UTF-8 JSON in their own order', () => {
    expect(text(served.allBody)).toBe(
      '{"zeta":{"B":"b-z","A":"a-z","ONLY_Z":"z"},"alpha":{"B":"b-a","dot.ted-key":"d","clé":"välue ✓ 🔐"}}',
    )
    expect(Buffer.from(served.allBody).equals(Buffer.from(JSON.stringify(VALUES), 'utf8'))).toBe(true)
  })

  it('lists the flat names in order', () => {
    expect(JSON.parse(text(served.keysBody))).toEqual([
      'zeta__B',
      'zeta__A',
      'zeta__ONLY_Z',
      'alpha__B',
      'alpha__dot.ted-key',
      'alpha__clé',
    ])
  })

  it('finds flat names and unique bare keys, echoing the name as asked', () => {
    expect(bodyOf(served.lookup('zeta__B'))).toEqual({ key: 'zeta__B', value: 'b-z' })
    expect(bodyOf(served.lookup('alpha__clé'))).toEqual({ key: 'alpha__clé', value: 'välue ✓ 🔐' })
    expect(bodyOf(served.lookup('ONLY_Z'))).toEqual({ key: 'ONLY_Z', value: 'z' })
    expect(bodyOf(served.lookup('dot.ted-key'))).toEqual({ key: 'dot.ted-key', value: 'd' })
  })

  it('reports a bare key of several namespaces as ambiguous and unknown names as not found', () => {
    expect(served.lookup('B')).toEqual({ found: false, ambiguous: true })
    expect(served.lookup('NOPE')).toEqual({ found: false, ambiguous: false })
    expect(served.lookup('zeta__')).toEqual({ found: false, ambiguous: false })
    expect(served.lookup('zeta__b')).toEqual({ found: false, ambiguous: false })
  })

  it('does not resolve names through the prototype chain', () => {
    expect(served.lookup('constructor')).toEqual({ found: false, ambiguous: false })
    expect(served.lookup('__proto__')).toEqual({ found: false, ambiguous: false })
    const proto = createServedSecrets(
      'r',
      JSON.parse('{"__proto__":{"toString":"x"}}') as Record<string, Record<string, string>>,
    )
    expect(bodyOf(proto.lookup('__proto____toString'))).toEqual({ key: '__proto____toString', value: 'x' })
    expect(bodyOf(proto.lookup('toString'))).toEqual({ key: 'toString', value: 'x' })
  })

  it('prefers a flat name over a bare key of the same spelling', () => {
    const s = createServedSecrets('r', { a: { b: 'flat' }, c: { a__b: 'bare' } })
    expect(bodyOf(s.lookup('a__b'))).toEqual({ key: 'a__b', value: 'flat' })
  })

  it('treats a flat name two namespaces produce as ambiguous', () => {
    const s = createServedSecrets('r', { a__b: { c: 'one' }, a: { b__c: 'two' } })
    expect(s.lookup('a__b__c')).toEqual({ found: false, ambiguous: true })
  })

  it('memoizes each found body', () => {
    const first = served.lookup('zeta__A')
    expect(served.lookup('zeta__A')).toBe(first)
    expect(served.lookup('A')).not.toBe(first)
  })

  it('handles empty secrets', () => {
    const s = createServedSecrets('r', {})
    expect(text(s.allBody)).toBe('{}')
    expect(text(s.keysBody)).toBe('[]')
    expect(s.lookup('x')).toEqual({ found: false, ambiguous: false })
  })

  it('indexes a large artifact once and serves any key', () => {
    const values: Record<string, Record<string, string>> = {}
    for (let n = 0; n < 10; n++) {
      values[`ns${n}`] = Object.fromEntries(
        Array.from({ length: 500 }, (_, k) => [`K${n}_${k}`, `v${n}.${k}`]),
      )
    }
    const s = createServedSecrets('r', values)
    expect(JSON.parse(text(s.keysBody))).toHaveLength(5000)
    expect(bodyOf(s.lookup('ns7__K7_499'))).toEqual({ key: 'ns7__K7_499', value: 'v7.499' })
    expect(bodyOf(s.lookup('K3_0'))).toEqual({ key: 'K3_0', value: 'v3.0' })
  })
})
