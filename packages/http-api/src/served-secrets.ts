// Serializes one revision's secrets once, so the hot path only writes bytes. Every body is built on
// first use: in JIT mode a snapshot lives for one request, which needs one body, and large
// artifacts carry thousands of keys that are rarely asked one by one.
import { secretNames, valuesJson } from '@clef-sh/artifact-format'
import type { KeyLookup, ServedSecrets } from './reader.ts'

const NOT_FOUND: KeyLookup = Object.freeze({ found: false, ambiguous: false })
const AMBIGUOUS: KeyLookup = Object.freeze({ found: false, ambiguous: true })

/** The secrets of one revision, or a function that produces them on first use. */
export type ServedValues =
  Record<string, Record<string, string>> | (() => Record<string, Record<string, string>>)

/**
 * Serializes `values` (`{ namespace: { key: value } }`) of one revision: `allBody` is the JSON of
 * `values` in its own order, `keysBody` the JSON list of flat names (each once: a flat name two
 * namespaces produce is listed once, and looking it up is `ambiguous`). `lookup(name)` follows the
 * name rules of `secretNames` (@clef-sh/artifact-format): a flat name `ns__key` first, then a bare
 * key unique across namespaces; a bare key in several namespaces is `ambiguous`. Each body, and the name index,
 * is built on first use and memoized; unknown names are never stored. `allBody` may be given: the
 * exact bytes of `JSON.stringify(values)`, when the caller already holds them (then a lazy
 * `values` is never called for `allBody`). Never throws by itself; a lazy `values` may.
 */
export const createServedSecrets = (
  revision: string,
  values: ServedValues,
  opts: { allBody?: Uint8Array | undefined } = {},
): ServedSecrets => {
  const encoder = new TextEncoder()
  let resolved: Record<string, Record<string, string>> | undefined
  const valuesOf = (): Record<string, Record<string, string>> =>
    (resolved ??= typeof values === 'function' ? values() : values)
  let allBody = opts.allBody
  let keysBody: Uint8Array | undefined
  const bodies = new Map<string, KeyLookup>()
  const resolve = (name: string): KeyLookup => {
    const hit = secretNames(valuesOf()).lookup(name)
    if (!hit.found) return hit.ambiguous ? AMBIGUOUS : NOT_FOUND
    const found: KeyLookup = {
      found: true,
      body: encoder.encode(JSON.stringify({ key: name, value: hit.value })),
    }
    bodies.set(name, found)
    return found
  }
  return {
    revision,
    get allBody() {
      return (allBody ??= valuesJson(valuesOf()))
    },
    get keysBody() {
      return (keysBody ??= encoder.encode(JSON.stringify(secretNames(valuesOf()).flatNames)))
    },
    lookup: (name) => bodies.get(name) ?? resolve(name),
  }
}
