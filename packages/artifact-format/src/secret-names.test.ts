import { describe, expect, it } from 'vitest'
import { flatName, resolveSecret, secretEnv, secretNames } from './index.ts'

const COLLIDING = { a__b: { c: 'one' }, a: { b__c: 'two' }, x: { K: 'k1' }, y: { K: 'k2', L: 'l' } }

const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

describe('secret names', () => {
  it('resolves a flat name first, then a bare key unique across namespaces', () => {
    const values = { a: { b: 'flat' }, c: { a__b: 'bare', U: 'u' } }
    expect(flatName('a', 'b')).toBe('a__b')
    expect(resolveSecret(values, 'a__b')).toBe('flat')
    expect(resolveSecret(values, 'U')).toBe('u')
    expect(resolveSecret(values, 'c__U')).toBe('u')
    expect(resolveSecret(values, 'nope')).toBeUndefined()
    expect(resolveSecret(values, 'constructor')).toBeUndefined()
  })

  it('calls a flat name two namespaces produce, and a bare key in two namespaces, ambiguous', () => {
    const names = secretNames(COLLIDING)
    expect(names.lookup('a__b__c')).toEqual({ found: false, ambiguous: true })
    expect(names.lookup('K')).toEqual({ found: false, ambiguous: true })
    expect(names.lookup('y__K')).toEqual({ found: true, value: 'k2' })
    expect(names.flatNames).toEqual(['a__b__c', 'x__K', 'y__K', 'y__L'])
    expect(names.collisions).toEqual(['a__b__c'])
    expect(secretNames(COLLIDING)).toBe(names)
    expect(thrown(() => resolveSecret(COLLIDING, 'a__b__c'))).toMatchObject({ code: 'key_ambiguous' })
  })

  it('refuses an environment in which one name would stand for two secrets, naming it', () => {
    const flat = thrown(() => secretEnv(COLLIDING, { naming: 'flat' }))
    expect(flat).toMatchObject({ code: 'key_ambiguous', message: expect.stringContaining('a__b__c') })
    expect(String(flat)).not.toMatch(/one|two/)
    const bare = thrown(() => secretEnv({ x: { K: 's1' }, y: { K: 's2' } }, { naming: 'bare' }))
    expect(bare).toMatchObject({ code: 'key_ambiguous', message: 'K exist in several namespaces' })
    expect([...secretEnv({ x: { K: '1' }, y: { L: '2' } }, { naming: 'flat' })]).toEqual([
      ['x__K', '1'],
      ['y__L', '2'],
    ])
    expect([...secretEnv({ x: { K: '1' }, y: { L: '2' } }, { naming: 'bare' })]).toEqual([
      ['K', '1'],
      ['L', '2'],
    ])
  })
})
