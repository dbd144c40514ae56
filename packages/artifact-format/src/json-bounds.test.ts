import { describe, expect, it } from 'vitest'
import { JsonBoundsError, scanJson } from './json-bounds.ts'
import { parseArtifact } from './parse-artifact.ts'

describe('scanJson', () => {
  it('counts depth outside strings only, escapes included', () => {
    expect(scanJson('{"a":"[[[{{{\\"]]]","b":{"c":[1]}}', { maxDepth: 3 })).toEqual({
      keys: 3,
      topLevel: ['a', 'b'],
    })
    expect(() => scanJson('{"b":{"c":[[1]]}}', { maxDepth: 3 })).toThrow(JsonBoundsError)
  })

  it('bounds every top-level value but the unbounded ones', () => {
    const text = JSON.stringify({ ciphertext: 'x'.repeat(100), extra: 'y'.repeat(100) })
    const bounds = { maxDepth: 2, maxMemberChars: 50, unbounded: new Set(['ciphertext']) }
    expect(() => scanJson(text, bounds)).toThrow(/top-level field of 102 characters \(limit 50\)/)
    expect(scanJson(JSON.stringify({ ciphertext: 'x'.repeat(100) }), bounds).topLevel).toEqual(['ciphertext'])
  })

  it('counts duplicate keys, which JSON.parse folds', () => {
    expect(scanJson('{"a":{"k":"1","k":"2"}}', { maxDepth: 2 }).keys).toBe(3)
  })
})

describe('parseArtifact bounds', () => {
  it('refuses a deep unknown field as invalid_shape before parsing', () => {
    const deep = `{"version":1,"x":${'['.repeat(100)}${']'.repeat(100)}}`
    expect(() => parseArtifact(deep)).toThrow(expect.objectContaining({ code: 'invalid_shape' }))
  })
})
