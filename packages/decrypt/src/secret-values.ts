// The decrypted payload is untrusted until proven to be `{ns:{key:string}}`; everything downstream
// (serialization, flat names) relies on that shape.
import { AgentError, ErrorCode } from '@clef-sh/errors'
import type { SecretValues } from '@clef-sh/artifact-format'

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

// Messages never quote the payload: it is plaintext secrets.
const notSecrets = (why: string, cause?: unknown): AgentError =>
  new AgentError(ErrorCode.Decrypt, `decrypted payload is not ${why}`, { cause })

const decodeJson = (plaintext: Uint8Array): unknown => {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext))
  } catch {
    throw notSecrets('UTF-8 JSON')
  }
}

const isNamespace = (v: unknown): boolean =>
  isObject(v) && Object.values(v).every((value) => typeof value === 'string')

/**
 * Parses decrypted plaintext as `{ namespace: { key: value } }` with string values, keeping the
 * namespace and key order of the payload (the parsed object is returned as is, not copied).
 * Throws AgentError `decrypt` for anything else; the message never includes the content.
 */
export const parseSecretValues = (plaintext: Uint8Array): SecretValues => {
  const value = decodeJson(plaintext)
  if (!isObject(value)) throw notSecrets('an object of namespaces')
  for (const ns of Object.values(value)) {
    if (!isNamespace(ns)) throw notSecrets('an object of namespaces of string values')
  }
  return value as SecretValues
}
