// The in-process reads of Agent (getAll, get, keys), with the same name rules as the HTTP API:
// a flat name `ns__key` first, then a bare key that is unique across namespaces.
import type { SecretValues } from '@clef-sh/artifact-format'
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** A deep copy, so a caller cannot change what the agent serves. */
export const copyValues = (values: SecretValues): SecretValues =>
  Object.fromEntries(Object.entries(values).map(([ns, keys]) => [ns, { ...keys }]))

/** Flat names `ns__key` of every secret, in artifact order. */
export const flatNames = (values: SecretValues): string[] =>
  Object.entries(values).flatMap(([ns, keys]) => Object.keys(keys).map((key) => `${ns}__${key}`))

/**
 * The value of `name`: a flat name, else a bare key present in exactly one namespace.
 * Throws AgentError `key_ambiguous` when a bare key is in several namespaces.
 */
export const lookupValue = (values: SecretValues, name: string): string | undefined => {
  const found: string[] = []
  for (const [ns, keys] of Object.entries(values)) {
    if (name.startsWith(`${ns}__`) && Object.hasOwn(keys, name.slice(ns.length + 2))) {
      return keys[name.slice(ns.length + 2)]
    }
    if (Object.hasOwn(keys, name)) found.push(keys[name] ?? '')
  }
  if (found.length > 1)
    throw new AgentError(
      ErrorCode.KeyAmbiguous,
      'the key exists in several namespaces; use the flat name ns__key',
    )
  return found[0]
}
