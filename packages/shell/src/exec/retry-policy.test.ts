import { describe, expect, it } from 'vitest'
import { FIRST_RETRY_MS, MAX_RETRY_MS, nextRetryDelay, seconds } from './retry-policy.ts'

const mid = (): number => 0.5

describe('nextRetryDelay', () => {
  it('doubles from 0.5 s up to 5 s', () => {
    const delays = [1, 2, 3, 4, 5, 6, 50].map((failures) =>
      nextRetryDelay({ failures, remainingMs: 60_000, random: mid }),
    )
    expect(delays).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000])
    expect([FIRST_RETRY_MS, MAX_RETRY_MS]).toEqual([500, 5000])
  })

  it('spreads each delay over ±20%', () => {
    expect(nextRetryDelay({ failures: 3, remainingMs: 60_000, random: () => 0 })).toBe(1600)
    expect(nextRetryDelay({ failures: 3, remainingMs: 60_000, random: () => 0.999_999 })).toBe(2400)
  })

  it('never waits past the bound, and gives up once it is reached', () => {
    expect(nextRetryDelay({ failures: 5, remainingMs: 1200, random: mid })).toBe(1200)
    expect(nextRetryDelay({ failures: 1, remainingMs: 0, random: mid })).toBeUndefined()
    expect(nextRetryDelay({ failures: 1, remainingMs: -5, random: mid })).toBeUndefined()
  })
})

describe('seconds', () => {
  it('writes durations to a tenth of a second', () => {
    expect([seconds(30_000), seconds(2049), seconds(0)]).toEqual(['30 s', '2 s', '0 s'])
    expect(seconds(1550)).toBe('1.6 s')
  })
})
