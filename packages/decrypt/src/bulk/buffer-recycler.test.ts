import { describe, expect, it } from 'vitest'
import { createBufferRecycler } from './buffer-recycler.ts'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A buffer as it comes back from a worker: leased, holding "plaintext". */
const leasedFrom = (recycler: ReturnType<typeof createBufferRecycler>, length: number): Buffer => {
  const buffer = recycler.take(length)
  if (buffer === undefined) throw new Error('no buffer')
  const plain = recycler.lease(buffer)
  plain.fill(0x41)
  return plain
}

describe('createBufferRecycler', () => {
  it('zeroes a released plaintext and hands its memory to the next decrypt of that length', () => {
    const recycler = createBufferRecycler({ maxFree: 4, keepFreeMs: 60_000 })
    const plain = leasedFrom(recycler, 1024)
    const memory = plain.buffer
    recycler.release(plain)
    expect(plain.every((b) => b === 0)).toBe(true)
    expect(recycler.take(512)).not.toBe(memory)
    expect(recycler.take(1024)).toBe(memory)
    expect(recycler.take(1024)).not.toBe(memory)
  })

  it('keeps a buffer released twice only once, and keeps at most maxFree', () => {
    const recycler = createBufferRecycler({ maxFree: 2, keepFreeMs: 60_000 })
    const first = leasedFrom(recycler, 64)
    recycler.release(first)
    recycler.release(first)
    expect(recycler.take(64)).toBe(first.buffer)
    expect(recycler.take(64)).not.toBe(first.buffer)
    const plains = [1, 2, 3].map(() => leasedFrom(recycler, 64))
    for (const p of plains) recycler.release(p)
    const kept = new Set<ArrayBufferLike | undefined>([
      recycler.take(64),
      recycler.take(64),
      recycler.take(64),
    ])
    expect(plains.filter((p) => kept.has(p.buffer))).toHaveLength(2)
  })

  it('only zeroes what it did not lend: a slice, or a buffer of someone else', () => {
    const recycler = createBufferRecycler({ maxFree: 4, keepFreeMs: 60_000 })
    const foreign = Buffer.alloc(64, 0x41)
    recycler.release(foreign)
    expect(foreign.every((b) => b === 0)).toBe(true)
    const plain = leasedFrom(recycler, 64)
    recycler.release(plain.subarray(8))
    expect(plain.subarray(8).every((b) => b === 0)).toBe(true)
    expect(recycler.take(64)).not.toBe(plain.buffer)
    expect(recycler.take(64)).not.toBe(foreign.buffer)
  })

  it('drops the kept buffers once no decrypt asked for one for keepFreeMs', async () => {
    const recycler = createBufferRecycler({ maxFree: 4, keepFreeMs: 30 })
    const plain = leasedFrom(recycler, 64)
    recycler.release(plain)
    await sleep(80)
    expect(recycler.take(64)).not.toBe(plain.buffer)
  })

  it('gives no buffer for a length no payload can have', () => {
    expect(createBufferRecycler({ maxFree: 4, keepFreeMs: 10 }).take(-1)).toBeUndefined()
  })
})
