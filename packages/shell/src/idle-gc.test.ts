import { describe, expect, it, vi } from 'vitest'
import { startIdleGc } from './idle-gc.ts'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('startIdleGc', () => {
  it('collects once after requests stop, never while they come, and again after the next burst', async () => {
    const collect = vi.fn()
    const idle = startIdleGc({ quietMs: 40, collect })
    try {
      await sleep(120)
      expect(collect).not.toHaveBeenCalled() // no request yet: nothing to give back
      for (let i = 0; i < 8; i++) {
        idle.note()
        await sleep(10)
      }
      await sleep(150)
      expect(collect).toHaveBeenCalledTimes(1)
      await sleep(100)
      expect(collect).toHaveBeenCalledTimes(1)
      idle.note()
      await sleep(150)
      expect(collect).toHaveBeenCalledTimes(2)
    } finally {
      idle.stop()
    }
  })

  it('runs V8 full collections by default, which free what a burst left', async () => {
    const idle = startIdleGc({ quietMs: 40 })
    try {
      const registry = new FinalizationRegistry<string>(() => {
        collected = true
      })
      let collected = false
      registry.register({ big: new Uint8Array(1024) }, 'dropped')
      idle.note()
      await vi.waitFor(
        () => {
          expect(collected).toBe(true)
        },
        { timeout: 2000 },
      )
    } finally {
      idle.stop()
    }
  })
})
