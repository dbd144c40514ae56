// The V8 flags of the agent's process. V8 stamps every code cache with a hash of all its flags and
// refuses a cache made under others: Node's own, for its built-in modules (a flag changed before
// they load made the start 15 ms slower), and the node bundle's (launcher/code-cache.ts). So the
// process starts with V8's defaults, and what it changes later is either put back at once or put
// back while the bundle's cache is written.
// - `gc()` for the idle collection (idle-gc.ts): `--expose-gc` is set just long enough to take it.
// - The young generation's cap (young-generation.ts), for as long as the agent serves.
// - In JIT mode, a heap sized for memory rather than speed (young-generation.ts).
//
// node:v8 loads when a flag is first set, once the agent listens, not at start (Node 20: 0.4 ms).
const setFlagsFromString = (flags: string): void => {
  process.getBuiltinModule('node:v8').setFlagsFromString(flags)
}

/** V8's `gc()`, taken without leaving `--expose-gc` set. */
export const takeGc = (): ((options?: object) => void) => {
  setFlagsFromString('--expose-gc')
  try {
    return process.getBuiltinModule('node:vm').runInNewContext('gc') as (options?: object) => void
  } finally {
    setFlagsFromString('--no-expose-gc')
  }
}

/**
 * Each flag the agent set while serving, with the one that puts V8's default back. Process-wide,
 * as the flags are: the launcher, which writes the code cache, and the program it runs each have
 * their own copy of this module.
 */
const SERVING = Symbol.for('clef-agent.serving-v8-flags')
const serving: Map<string, string> = ((globalThis as Record<symbol, Map<string, string> | undefined>)[
  SERVING
] ??= new Map<string, string>())

const setServing = (flag: string, reset: string): void => {
  setFlagsFromString(flag)
  serving.set(flag, reset)
}

/** Puts back V8's default of a flag {@link setServing} set; nothing if it is not set. */
const unsetServing = (flag: string): void => {
  const reset = serving.get(flag)
  if (reset === undefined) return
  setFlagsFromString(reset)
  serving.delete(flag)
}

const SMALL_HEAP = '--optimize-for-size'

/** Stops V8 growing the young generation. */
export const capYoungGenerationFlag = (): void => {
  setServing('--semi-space-growth-factor=1', '--semi-space-growth-factor=2')
}

/**
 * Makes V8 size the heap for memory rather than speed: after each full collection it lets the old
 * generation grow by 2 MB beyond what lived, instead of 8 MB.
 */
export const smallHeapFlag = (): void => {
  // The flag implies --max-semi-space-size=1 (Node 20 and 24), which must go back too.
  setServing(SMALL_HEAP, '--no-optimize-for-size --max-semi-space-size=0')
}

/** Puts V8's default sizing back (see {@link smallHeapFlag}). */
export const normalHeapFlag = (): void => {
  unsetServing(SMALL_HEAP)
}

/**
 * Runs `fn` under the flags the process started with (V8's defaults), then sets again those the
 * serving agent had set: the launcher writes the bundle's code cache with it, a second into a run.
 */
export const underStartFlags = <T>(fn: () => T): T => {
  for (const reset of serving.values()) setFlagsFromString(reset)
  try {
    return fn()
  } finally {
    for (const flag of serving.keys()) setFlagsFromString(flag)
  }
}
