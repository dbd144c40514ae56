import { describe, expect, it } from 'vitest'
import { backoffDelay, MAX_TIMER_MS, normalInterval, withJitter } from './schedule.ts'

const NOW = Date.parse('2026-01-01T00:00:00Z')
const mid = () => 0.5

describe('normalInterval', () => {
  it('is TTL/10 in cached mode', () => {
    expect(normalInterval({ ttlMs: 300_000, now: NOW })).toBe(30_000)
  })

  it('is 30 s in JIT mode', () => {
    expect(normalInterval({ ttlMs: 0, now: NOW })).toBe(30_000)
  })

  it('is 80% of the time left before expiry when that is sooner', () => {
    expect(normalInterval({ ttlMs: 300_000, now: NOW, expiresAtMs: NOW + 20_000 })).toBe(16_000)
  })

  it('never drops below 5 s, even right before expiry', () => {
    expect(normalInterval({ ttlMs: 30_000, now: NOW })).toBe(5_000)
    expect(normalInterval({ ttlMs: 300_000, now: NOW, expiresAtMs: NOW + 1_000 })).toBe(5_000)
  })

  it('a 2099 expiry does not overflow the timer', () => {
    const expiresAtMs = Date.parse('2099-06-01T00:00:00Z')
    expect(normalInterval({ ttlMs: 300_000, now: NOW, expiresAtMs })).toBe(30_000)
    const huge = normalInterval({ ttlMs: 31_536_000_000, now: NOW, expiresAtMs })
    expect(huge).toBe(MAX_TIMER_MS)
  })
})

describe('withJitter', () => {
  it('spreads by ±10%', () => {
    expect(withJitter(30_000, () => 0)).toBe(27_000)
    expect(withJitter(30_000, mid)).toBe(30_000)
    expect(withJitter(30_000, () => 0.999999)).toBe(33_000)
  })

  it('stays within [5 s, 2^31−1]', () => {
    expect(withJitter(5_000, () => 0)).toBe(5_000)
    expect(withJitter(MAX_TIMER_MS, () => 0.999999)).toBe(MAX_TIMER_MS)
  })
})

describe('backoffDelay', () => {
  it('starts at 5 s, doubles, then caps at the normal interval', () => {
    const delays = [1, 2, 3, 4, 5, 40].map((failures) =>
      backoffDelay({ failures, normalMs: 30_000, random: mid }),
    )
    expect(delays).toEqual([5_000, 10_000, 20_000, 30_000, 30_000, 30_000])
  })

  it('honours Retry-After when it is longer', () => {
    expect(backoffDelay({ failures: 1, normalMs: 30_000, retryAfterMs: 120_000, random: mid })).toBe(120_000)
    expect(backoffDelay({ failures: 3, normalMs: 30_000, retryAfterMs: 1_000, random: mid })).toBe(20_000)
  })

  it('clamps an absurd Retry-After to the timer limit', () => {
    expect(backoffDelay({ failures: 1, normalMs: 30_000, retryAfterMs: 1e12, random: mid })).toBe(
      MAX_TIMER_MS,
    )
  })
})
