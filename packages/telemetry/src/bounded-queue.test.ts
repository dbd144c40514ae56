import { describe, expect, it } from 'vitest'
import { createBoundedQueue } from './bounded-queue.ts'

describe('createBoundedQueue', () => {
  it('is FIFO and takes at most what was asked', () => {
    const q = createBoundedQueue<number>(5)
    for (const n of [1, 2, 3]) expect(q.push(n)).toBe(true)
    expect(q.take(2)).toEqual([1, 2])
    expect(q.size).toBe(1)
    expect(q.take(10)).toEqual([3])
    expect(q.take(10)).toEqual([])
  })

  it('drops the oldest when full and says so', () => {
    const q = createBoundedQueue<number>(3)
    const kept = [1, 2, 3, 4, 5].map((n) => q.push(n))
    expect(kept).toEqual([true, true, true, false, false])
    expect(q.size).toBe(3)
    expect(q.take(3)).toEqual([3, 4, 5])
  })

  it('wraps around and clears', () => {
    const q = createBoundedQueue<number>(2)
    q.push(1)
    q.take(1)
    q.push(2)
    q.push(3)
    expect(q.take(5)).toEqual([2, 3])
    q.push(4)
    q.clear()
    expect(q.size).toBe(0)
    expect(q.take(1)).toEqual([])
  })
})
