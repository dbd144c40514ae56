// A fixed-capacity FIFO that drops its oldest item when full: telemetry must never grow without
// bound while the collector is away, and the newest events are the ones worth keeping.

/** A drop-oldest queue. Every operation but `take` is O(1). */
export interface BoundedQueue<T> {
  /** Appends `item`; returns false when the oldest item was dropped to make room. */
  push(item: T): boolean
  /** Removes and returns up to `max` items, oldest first. */
  take(max: number): T[]
  readonly size: number
  clear(): void
}

/** Creates an empty queue holding at most `capacity` (≥ 1) items. */
export const createBoundedQueue = <T>(capacity: number): BoundedQueue<T> => {
  const cap = Math.max(1, Math.floor(capacity))
  const slots: (T | undefined)[] = new Array<T | undefined>(cap)
  let head = 0
  let size = 0
  return {
    push: (item) => {
      const full = size === cap
      slots[(head + size) % cap] = item
      if (full) head = (head + 1) % cap
      else size += 1
      return !full
    },
    take: (max) => {
      const n = Math.min(max, size)
      const out: T[] = []
      for (let i = 0; i < n; i++) {
        out.push(slots[head] as T)
        slots[head] = undefined
        head = (head + 1) % cap
      }
      size -= n
      return out
    },
    get size() {
      return size
    },
    clear: () => {
      slots.fill(undefined)
      head = 0
      size = 0
    },
  }
}
