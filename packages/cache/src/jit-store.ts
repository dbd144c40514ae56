// JIT mode keeps only the validated, still-encrypted artifact between requests, so every request
// has to decrypt and the KMS stays the live authorization gate (docs/SPEC.md §6). Never plaintext.

/** What the JIT store holds: the validated artifact (its text or parsed object, still encrypted). */
export interface JitEntry<A> {
  readonly artifact: A
  /** The artifact's revision. */
  readonly revision: string
}

/** Holds the current validated encrypted artifact of JIT mode. In memory only; never throws. */
export interface JitStore<A> {
  /** The current entry, or undefined when none is held. */
  get(): JitEntry<A> | undefined
  /** Replaces the entry in one step and returns the previous one. */
  set(entry: JitEntry<A>): JitEntry<A> | undefined
  /** Drops the entry. */
  clear(): void
}

/** Creates an empty {@link JitStore}. */
export const createJitStore = <A>(): JitStore<A> => {
  let current: JitEntry<A> | undefined
  return {
    get: () => current,
    set: (entry) => {
      const previous = current
      current = entry
      return previous
    },
    clear: () => {
      current = undefined
    },
  }
}
