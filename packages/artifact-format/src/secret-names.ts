// The secret-name rules of every face (HTTP API, library, `exec`): the flat name `ns__key`, the bare
// key that is unique across namespaces, and what counts as ambiguous. They live here, beside the
// artifact's values, so that no face can answer a name differently from another.
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** The values of an artifact as read by the name rules, which never change them. */
type Values = Readonly<Record<string, Readonly<Record<string, string>>>>

/** The flat name of `key` in `namespace`: `namespace__key`. */
export const flatName = (namespace: string, key: string): string => `${namespace}__${key}`

/** Outcome of resolving one name. */
export type NameLookup = { found: true; value: string } | { found: false; ambiguous: boolean }

/** The names of one set of secrets, indexed once. */
export interface SecretNames {
  /** Every flat name once, in artifact order; a flat name several secrets produce is listed once. */
  readonly flatNames: readonly string[]
  /** The flat names several secrets produce (`{"a__b":{"c":…},"a":{"b__c":…}}` gives `a__b__c`). */
  readonly collisions: readonly string[]
  /**
   * A flat name first, then a bare key present in exactly one namespace. A flat name several
   * secrets produce, or a bare key in several namespaces, is `ambiguous`. Never throws.
   */
  lookup(name: string): NameLookup
}

const CLASH: unique symbol = Symbol('clash')
type Resolved = string | typeof CLASH

const NOT_FOUND: NameLookup = Object.freeze({ found: false, ambiguous: false })
const AMBIGUOUS: NameLookup = Object.freeze({ found: false, ambiguous: true })

const add = (index: Map<string, Resolved>, name: string, value: string): boolean => {
  const clash = index.has(name)
  index.set(name, clash ? CLASH : value)
  return clash
}

const build = (values: Values): SecretNames => {
  const flat = new Map<string, Resolved>()
  const bare = new Map<string, Resolved>()
  const collisions = new Set<string>()
  for (const [namespace, keys] of Object.entries(values)) {
    for (const [key, value] of Object.entries(keys)) {
      const name = flatName(namespace, key)
      if (add(flat, name, value)) collisions.add(name)
      add(bare, key, value)
    }
  }
  return {
    flatNames: [...flat.keys()],
    collisions: [...collisions],
    lookup: (name) => {
      const value = flat.get(name) ?? bare.get(name)
      if (value === undefined) return NOT_FOUND
      return value === CLASH ? AMBIGUOUS : { found: true, value }
    },
  }
}

// One index per values object: a snapshot's values are never changed once served.
const memo = new WeakMap<Values, SecretNames>()

/** The {@link SecretNames} of `values`, built on first use and kept as long as `values` lives. */
export const secretNames = (values: Values): SecretNames => {
  let names = memo.get(values)
  if (names === undefined) {
    names = build(values)
    memo.set(values, names)
  }
  return names
}

/**
 * The value of `name` by the rules of {@link SecretNames.lookup}, or undefined when absent. Throws
 * AgentError `key_ambiguous` (naming the name, never a value) when it is ambiguous.
 */
export const resolveSecret = (values: Values, name: string): string | undefined => {
  const hit = secretNames(values).lookup(name)
  if (hit.found) return hit.value
  if (!hit.ambiguous) return undefined
  throw new AgentError(ErrorCode.KeyAmbiguous, `${name} names several secrets`, {
    hint: 'use the flat name ns__key; rename one of the secrets when two flat names coincide',
  })
}

/** Options of {@link secretEnv}. */
export interface SecretEnvOptions {
  /** `flat`: `ns__key` names; `bare`: the keys alone, which must then be unique across namespaces. */
  naming: 'flat' | 'bare'
}

/**
 * Every secret as name → value, ready for an environment, in artifact order. Throws AgentError
 * `key_ambiguous` when a name would stand for several secrets (a flat name two namespaces produce,
 * or with `naming: 'bare'` a key in several namespaces): the message lists the names, never a value.
 */
export const secretEnv = (values: Values, { naming }: SecretEnvOptions): Map<string, string> => {
  const env = new Map<string, string>()
  const clashes = new Set<string>()
  for (const [namespace, keys] of Object.entries(values)) {
    for (const [key, value] of Object.entries(keys)) {
      const name = naming === 'flat' ? flatName(namespace, key) : key
      if (env.has(name)) clashes.add(name)
      env.set(name, value)
    }
  }
  if (clashes.size === 0) return env
  const names = [...clashes].join(', ')
  throw naming === 'flat'
    ? new AgentError(ErrorCode.KeyAmbiguous, `${names}: the flat name of several secrets`, {
        hint: 'rename a namespace or key so that no two secrets share a NAMESPACE__KEY name',
      })
    : new AgentError(ErrorCode.KeyAmbiguous, `${names} exist in several namespaces`, {
        hint: 'use the NAMESPACE__KEY names (exec: without --no-prefix)',
      })
}
