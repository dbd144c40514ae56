// Serializes one revision's secrets once, so the hot path only writes bytes. Every body is built on
// first use: in JIT mode a snapshot lives for one request, which needs one body, and large
// artifacts carry thousands of keys that are rarely asked one by one.
import type { KeyLookup, ServedSecrets } from './reader.ts'

const NOT_FOUND: KeyLookup = Object.freeze({ found: false, ambiguous: false })
const AMBIGUOUS: KeyLookup = Object.freeze({ found: false, ambiguous: true })

/** Marks a name that resolves to more than one secret. */
const CLASH: unique symbol = Symbol('clash')
type Resolved = string | typeof CLASH

const addName = (index: Map<string, Resolved>, name: string, value: string): void => {
  index.set(name, index.has(name) ? CLASH : value)
}

/** Flat names (`ns__key`) and bare keys, each mapped to its value or to CLASH when it is not unique. */
const buildIndexes = (
  values: Record<string, Record<string, string>>,
): { flat: Map<string, Resolved>; bare: Map<string, Resolved> } => {
  const flat = new Map<string, Resolved>()
  const bare = new Map<string, Resolved>()
  for (const [namespace, keys] of Object.entries(values)) {
    for (const [key, value] of Object.entries(keys)) {
      addName(flat, `${namespace}__${key}`, value)
      addName(bare, key, value)
    }
  }
  return { flat, bare }
}

/** The secrets of one revision, or a function that produces them on first use. */
export type ServedValues =
  Record<string, Record<string, string>> | (() => Record<string, Record<string, string>>)

/**
 * Serializes `values` (`{ namespace: { key: value } }`) of one revision: `allBody` is the JSON of
 * `values` in its own order, `keysBody` the JSON list of flat names. `lookup(name)` resolves a flat
 * name `ns__key` first, then a bare key unique across namespaces; a bare key found in several
 * namespaces (or a flat name two namespaces produce) is `ambiguous`. Each body, and the name index,
 * is built on first use and memoized; unknown names are never stored. `allBody` may be given: the
 * exact bytes of `JSON.stringify(values)`, when the caller already holds them (then a lazy
 * `values` is never called for `allBody`). Never throws by itself; a lazy `values` may.
 */
export const createServedSecrets = (
  revision: string,
  values: ServedValues,
  opts: { allBody?: Uint8Array } = {},
): ServedSecrets => {
  const encoder = new TextEncoder()
  let resolved: Record<string, Record<string, string>> | undefined
  const valuesOf = (): Record<string, Record<string, string>> =>
    (resolved ??= typeof values === 'function' ? values() : values)
  let indexes: ReturnType<typeof buildIndexes> | undefined
  const indexesOf = (): ReturnType<typeof buildIndexes> => (indexes ??= buildIndexes(valuesOf()))
  let allBody = opts.allBody
  let keysBody: Uint8Array | undefined
  const bodies = new Map<string, KeyLookup>()
  const resolve = (name: string): KeyLookup => {
    const { flat, bare } = indexesOf()
    const value = flat.get(name) ?? bare.get(name)
    if (value === undefined) return NOT_FOUND
    if (value === CLASH) return AMBIGUOUS
    const found: KeyLookup = { found: true, body: encoder.encode(JSON.stringify({ key: name, value })) }
    bodies.set(name, found)
    return found
  }
  return {
    revision,
    get allBody() {
      return (allBody ??= encoder.encode(JSON.stringify(valuesOf())))
    },
    get keysBody() {
      return (keysBody ??= encoder.encode(JSON.stringify([...indexesOf().flat.keys()])))
    },
    lookup: (name) => bodies.get(name) ?? resolve(name),
  }
}
