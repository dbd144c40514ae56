import { describe, expect, it } from 'vitest'
import { parseSecretValues } from './index.ts'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const codeAndMessage = (input: Uint8Array): { code: unknown; message: string } => {
  try {
    parseSecretValues(input)
  } catch (e) {
    return { code: (e as { code?: unknown }).code, message: (e as Error).message }
  }
  return { code: 'no error', message: '' }
}

describe('parseSecretValues', () => {
  it('returns the namespaces, keeping namespace and key order', () => {
    const v = parseSecretValues(bytes('{"z":{"b":"1","a":""},"a":{"y":"ü","x":"2"},"empty":{}}'))
    expect(v).toEqual({ z: { b: '1', a: '' }, a: { y: 'ü', x: '2' }, empty: {} })
    expect(Object.keys(v)).toEqual(['z', 'a', 'empty'])
    expect(Object.keys(v['z'] ?? {})).toEqual(['b', 'a'])
  })

  it('keeps a __proto__ key as data, not as a prototype', () => {
    const v = parseSecretValues(bytes('{"__proto__":{"polluted":"yes"}}'))
    expect(Object.keys(v)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  it.each([
    ['not JSON', 'sk_live_SECRET'],
    ['an array', '["sk_live_SECRET"]'],
    ['null', 'null'],
    ['a string', '"sk_live_SECRET"'],
    ['a flat object', '{"API_KEY":"sk_live_SECRET"}'],
    ['a number value', '{"app":{"PORT":5432,"K":"sk_live_SECRET"}}'],
    ['a null value', '{"app":{"K":null,"T":"sk_live_SECRET"}}'],
    ['a nested object', '{"app":{"K":{"v":"sk_live_SECRET"}}}'],
    ['a namespace array', '{"app":["sk_live_SECRET"]}'],
  ])('refuses %s as decrypt, without quoting it', (_, text) => {
    const { code, message } = codeAndMessage(bytes(text))
    expect(code).toBe('decrypt')
    expect(message).toMatch(/^decrypted payload is not /)
    expect(message).not.toContain('sk_live')
  })

  it('refuses invalid UTF-8', () => {
    expect(codeAndMessage(new Uint8Array([0x7b, 0xff, 0x7d])).code).toBe('decrypt')
  })
})
