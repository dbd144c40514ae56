import { describe, expect, it } from 'vitest'
import { compareRevisions, revisionTime } from './index.ts'

describe('revisionTime', () => {
  it('reads the leading unix-ms part', () => {
    expect(revisionTime('1795623356246-4ec43045')).toBe(1795623356246)
  })

  it.each([[''], ['abc'], ['1795623356246'], ['-4ec43045'], ['12-xyz'], ['1.5-ab'], [' 12-ab']])(
    'is undefined for %j',
    (r) => {
      expect(revisionTime(r)).toBeUndefined()
    },
  )
})

describe('compareRevisions', () => {
  it('orders by time', () => {
    expect(compareRevisions('1000-aaaaaaaa', '2000-00000000')).toBe(-1)
    expect(compareRevisions('2000-00000000', '1000-aaaaaaaa')).toBe(1)
    expect(compareRevisions('1000-aaaaaaaa', '1000-bbbbbbbb')).toBe(0)
  })

  it('cannot order revisions of another form', () => {
    expect(compareRevisions('v2', '1000-aaaaaaaa')).toBeUndefined()
    expect(compareRevisions('1000-aaaaaaaa', 'v2')).toBeUndefined()
  })
})
