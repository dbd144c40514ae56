// The V8 flags of the agent's process. V8 stamps every code cache with a hash of all its flags and
// refuses a cache made under others: Node's own, for its built-in modules (a flag changed before
// they load made the start 15 ms slower), and the node bundle's (launcher/code-cache.ts). So the
// process starts with V8's defaults, and what it changes later is either put back at once or put
// back while the bundle's cache is written.
// - `gc()` for the idle collection (idle-gc.ts): `--expose-gc` is set just long enough to take it.
// - The young generation's cap (young-generation.ts), for as long as the agent serves.
//
// node:v8 loads when a flag is first set, after the agent is ready, not before (Node 20: 0.4 ms).
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

/** Stops V8 growing the young generation. */
export const capYoungGenerationFlag = (): void => {
  setFlagsFromString('--semi-space-growth-factor=1')
}

/**
 * Runs `fn` under the flags the process started with (V8's defaults), then caps the young
 * generation: the launcher writes the bundle's code cache with it, a second into a run, by when
 * the serving agent has set the cap (a process that does not serve gets it then; it is harmless).
 */
export const underStartFlags = <T>(fn: () => T): T => {
  setFlagsFromString('--semi-space-growth-factor=2')
  try {
    return fn()
  } finally {
    capYoungGenerationFlag()
  }
}
