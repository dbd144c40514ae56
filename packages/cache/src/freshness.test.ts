import { describe, expect, it } from 'vitest'
import { createFreshness } from './freshness.ts'

const clock = (start = 1_000_000) => {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('createFreshness', () => {
  it('is stale before the first successful fetch', () => {
    const c = clock()
    const f = createFreshness({ ttlMs: 300_000, now: c.now })
    expect(f.isStale()).toBe(true)
    expect(f.lastFreshAt()).toBeUndefined()
  })

  it('stays fresh for ttlMs after markFresh, then goes stale', () => {
    const c = clock()
    const f = createFreshness({ ttlMs: 300_000, now: c.now })
    f.markFresh()
    expect(f.lastFreshAt()).toBe(1_000_000)
    c.advance(300_000)
    expect(f.isStale()).toBe(false)
    c.advance(1)
    expect(f.isStale()).toBe(true)
  })

  it('a renewal restarts the window', () => {
    const c = clock()
    const f = createFreshness({ ttlMs: 60_000, now: c.now })
    f.markFresh()
    c.advance(50_000)
    f.markFresh()
    c.advance(50_000)
    expect(f.isStale()).toBe(false)
    expect(f.lastFreshAt()).toBe(1_050_000)
  })

  it('extraMs extends the window (stale-if-error grace)', () => {
    const c = clock()
    const f = createFreshness({ ttlMs: 60_000, now: c.now })
    f.markFresh()
    c.advance(90_000)
    expect(f.isStale()).toBe(true)
    expect(f.isStale(30_000)).toBe(false)
    expect(f.isStale(29_999)).toBe(true)
  })

  it('reset forgets the last fetch', () => {
    const c = clock()
    const f = createFreshness({ ttlMs: 60_000, now: c.now })
    f.markFresh()
    f.reset()
    expect(f.isStale()).toBe(true)
    expect(f.lastFreshAt()).toBeUndefined()
  })
})
