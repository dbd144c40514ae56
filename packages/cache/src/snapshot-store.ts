// The current snapshot behind one reference, so readers see the old or the new snapshot and never a
// mix (docs/SPEC.md §1 step 8). Swapping a reference is atomic in a single-threaded event loop.

/** Holds the snapshot being served. In memory only; never throws. */
export interface SnapshotStore<T> {
  /** The current snapshot, or undefined when none is loaded (or it was wiped). */
  get(): T | undefined
  /** Replaces the snapshot in one step and returns the previous one. */
  swap(next: T): T | undefined
  /** Drops the snapshot; returns what was dropped so the caller can wipe it. */
  clear(): T | undefined
}

/** Creates an empty {@link SnapshotStore}. */
export const createSnapshotStore = <T>(): SnapshotStore<T> => {
  let current: T | undefined
  const swap = (next: T | undefined): T | undefined => {
    const previous = current
    current = next
    return previous
  }
  return {
    get: () => current,
    swap: (next) => swap(next),
    clear: () => swap(undefined),
  }
}
