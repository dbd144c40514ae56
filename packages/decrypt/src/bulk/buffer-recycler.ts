// The plaintext buffers of the decrypt workers, reused. JIT mode opens the same artifact on every
// request, so every plaintext has the same length: a buffer released (zeroed) after one response
// can take the next decrypt's plaintext. A fresh buffer per request instead left tens of MB of
// dead buffers waiting for a garbage collection under load, and taught the allocator to keep such
// sizes in its heap, where the memory stayed after the load. Only a few buffers are kept, and only
// while decrypts keep coming.

/** Options of {@link createBufferRecycler}. */
export interface BufferRecyclerOptions {
  /** Released buffers kept for reuse, at most; more are dropped (left to the garbage collector). */
  maxFree: number
  /** Kept buffers are dropped once no buffer was taken this long. */
  keepFreeMs: number
}

/** See {@link createBufferRecycler}. */
export interface BufferRecycler {
  /** A zeroed buffer of `length` bytes to decrypt into (a kept one when it fits); none for -1. */
  take: (length: number) => ArrayBuffer | undefined
  /** `buffer` (a result back from a worker) as a Buffer that {@link release} will recognise. */
  lease: (buffer: ArrayBuffer) => Buffer
  /**
   * Zeroes `plain`. When it is a whole buffer {@link lease} gave out and not yet released, keeps
   * it for a later {@link take} (up to `maxFree`). Releasing anything else only zeroes it.
   */
  release: (plain: Uint8Array) => void
  /** Drops every kept buffer. */
  clear: () => void
}

/** Creates a {@link BufferRecycler}; its one timer does not keep the process alive. */
export const createBufferRecycler = ({ maxFree, keepFreeMs }: BufferRecyclerOptions): BufferRecycler => {
  // Leased buffers, so that a buffer released twice is never kept twice (two decrypts into one).
  const leased = new WeakSet<ArrayBuffer>()
  const free: ArrayBuffer[] = []
  let lastTake = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  const trim = (): void => {
    timer = undefined
    const idle = performance.now() - lastTake
    if (idle >= keepFreeMs) free.length = 0
    else arm(keepFreeMs - idle)
  }
  const arm = (ms: number): void => {
    timer ??= setTimeout(trim, ms)
    timer.unref()
  }

  return {
    take: (length) => {
      if (length < 0) return undefined
      lastTake = performance.now()
      const at = free.findIndex((b) => b.byteLength === length)
      return at < 0 ? new ArrayBuffer(length) : free.splice(at, 1)[0]
    },
    lease: (buffer) => {
      leased.add(buffer)
      return Buffer.from(buffer)
    },
    release: (plain) => {
      plain.fill(0)
      const { buffer } = plain
      if (!(buffer instanceof ArrayBuffer) || !leased.has(buffer)) return
      leased.delete(buffer)
      if (plain.byteOffset !== 0 || plain.byteLength !== buffer.byteLength) return
      if (free.length >= maxFree) return
      free.push(buffer)
      arm(keepFreeMs)
    },
    clear: () => {
      free.length = 0
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    },
  }
}
