// The decrypted payload is untrusted until proven to be `{ns:{key:string}}`; everything downstream
// (serialization, flat names) relies on that shape.
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { JsonBoundsError, scanJson, type SecretValues } from '@clef-sh/artifact-format'

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

// Messages never quote the payload: it is plaintext secrets.
const notSecrets = (why: string, cause?: unknown): AgentError =>
  new AgentError(ErrorCode.Decrypt, `decrypted payload is not ${why}`, { cause })

const decodeText = (plaintext: Uint8Array): string => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plaintext)
  } catch {
    throw notSecrets('UTF-8 JSON')
  }
}

// `{ns:{key:"v"}}` is exactly two levels deep: anything deeper is refused before JSON.parse builds it.
const scan = (text: string): number => {
  try {
    return scanJson(text, { maxDepth: 2 }).keys
  } catch (e) {
    if (e instanceof JsonBoundsError) throw notSecrets('an object of namespaces of string values')
    throw e
  }
}

const decodeJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    throw notSecrets('UTF-8 JSON')
  }
}

const isNamespace = (v: unknown): boolean =>
  isObject(v) && Object.values(v).every((value) => typeof value === 'string')

/**
 * Parses decrypted plaintext as `{ namespace: { key: value } }` with string values, keeping the
 * namespace and key order of the payload (the parsed object is returned as is, not copied).
 * Throws AgentError `decrypt` for anything else (nesting deeper than two levels is refused before
 * parsing; a namespace or key name given twice is refused too); the message never includes the
 * content.
 */
export const parseSecretValues = (plaintext: Uint8Array): SecretValues => {
  const text = decodeText(plaintext)
  const keys = scan(text)
  const value = decodeJson(text)
  if (!isObject(value)) throw notSecrets('an object of namespaces')
  let names = 0
  for (const ns of Object.values(value)) {
    if (!isNamespace(ns)) throw notSecrets('an object of namespaces of string values')
    names += 1 + Object.keys(ns as object).length
  }
  // JSON.parse keeps the last of two equal names: which value would be served is ambiguous.
  if (names !== keys) throw notSecrets('free of duplicate namespace or key names')
  return value as SecretValues
}
