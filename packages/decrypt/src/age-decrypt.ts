// Age mode (docs/SPEC.md §2). JIT mode decrypts on every request, so X25519 files take a synchronous
// node:crypto path (./age-v1) with the key imported once; everything else (hybrid post-quantum
// identities and files) goes through the age-encryption library, also built once, and loaded only
// then: most deployments never need its web streams, WebCrypto and post-quantum code in memory.
import { AgentError, ErrorCode, isAgentError } from '@clef-sh/errors'
import { ageFailure, NO_MATCH, noMatchingRecipient } from './age-v1/age-failure.ts'
import { decodeBech32 } from './age-v1/bech32.ts'
import { createX25519FileUnwrap, type KeyedPayload, type X25519FileUnwrap } from './age-v1/decrypt-file.ts'
import { parseAgeHeader } from './age-v1/header.ts'
import { IN_THREAD_OPENER, type BulkOpener } from './bulk/in-thread.ts'

/** Decrypts a binary age file to its plaintext bytes. */
export type AgeDecrypt = (file: Uint8Array) => Promise<Uint8Array>

const invalidIdentity = (): AgentError =>
  new AgentError(
    ErrorCode.ConfigInvalid,
    'age identity is not a valid AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1… key',
  )

const loadLibraryDecrypt = async (identity: string): Promise<AgeDecrypt> => {
  const { Decrypter, identityToRecipient } = await import('age-encryption')
  const decrypter = new Decrypter()
  try {
    decrypter.addIdentity(identity)
  } catch {
    throw invalidIdentity()
  }
  // Only for the hint of a file packed for others; public, so it may be logged.
  let recipient: Promise<string | undefined> | undefined
  const recipientOf = (): Promise<string | undefined> =>
    (recipient ??= identityToRecipient(identity).catch(() => undefined))
  return async (file) => {
    try {
      return await decrypter.decrypt(file)
    } catch (cause) {
      if (cause instanceof Error && cause.message === NO_MATCH)
        throw noMatchingRecipient(await recipientOf(), cause)
      // The library quotes file bytes in some messages ("invalid version <line>"): cut and clean.
      const why =
        cause instanceof Error ? cause.message.replace(/\p{Cc}/gu, '?').slice(0, 120) : 'unknown error'
      throw new AgentError(ErrorCode.Decrypt, `age decryption failed: ${why}`, { cause })
    }
  }
}

// Both identity types encode 32 bytes: an X25519 scalar, or the seed of the hybrid ML-KEM-768 key.
const IDENTITY_BYTES = 32

/**
 * Post-quantum recipient stanzas the library path tries at most. The library caps nothing and each
 * try costs milliseconds, so an artifact from a hostile source could otherwise make every decrypt
 * (every request, in JIT mode) slow; real artifacts have a handful of recipients.
 */
export const MAX_PQ_STANZAS = 128

/** Bounds the library's work before it runs: a well-formed header within our limits. */
const checkLibraryHeader = (file: Uint8Array): void => {
  // Throws `decrypt` for a malformed header, over 1 MiB, or with more than 1024 stanzas.
  const { stanzas } = parseAgeHeader(file)
  const pq = stanzas.filter((s) => s.args[0]?.startsWith('mlkem') === true).length
  if (pq > MAX_PQ_STANZAS)
    ageFailure(`${String(pq)} post-quantum stanzas, more than ${String(MAX_PQ_STANZAS)}`)
}

/**
 * The library path alone (age-encryption, loaded on first use), for either identity type; the
 * agent takes it for files the node:crypto path leaves to it. The identity's Bech32 checksum, type
 * and length are checked now, so a mistyped or truncated key fails at start (`config_invalid`),
 * not at the first decrypt; the returned function throws `decrypt`.
 */
export const createLibraryDecrypt = (identity: string): AgeDecrypt => {
  const decoded = decodeBech32(identity)
  const prefix = decoded?.prefix
  const length = decoded?.bytes.length
  decoded?.bytes.fill(0)
  if (prefix !== 'age-secret-key-pq-' && prefix !== 'age-secret-key-') throw invalidIdentity()
  if (length !== IDENTITY_BYTES) throw invalidIdentity()
  let library: Promise<AgeDecrypt> | undefined
  return async (file) => {
    checkLibraryHeader(file)
    return (await (library ??= loadLibraryDecrypt(identity)))(file)
  }
}

const runFast = (unwrap: X25519FileUnwrap, file: Uint8Array): KeyedPayload | undefined => {
  try {
    return unwrap(file)
  } catch (cause) {
    // age-v1 fails with fixed messages; anything else is unexpected and gets no details.
    if (isAgentError(cause)) throw cause
    throw new AgentError(ErrorCode.Decrypt, 'age decryption failed: unexpected error', { cause })
  }
}

const createFastDecrypt = (unwrap: X25519FileUnwrap, identity: string, bulk: BulkOpener): AgeDecrypt => {
  // Only for X25519-identity files without an X25519 stanza, where the library has the last word.
  const library = createLibraryDecrypt(identity)
  return async (file) => {
    const keyed = runFast(unwrap, file)
    if (keyed === undefined) return library(file)
    try {
      const opened = await bulk.openAgePayload(keyed.fileKey, keyed.payload)
      return opened.ok ? opened.plain : ageFailure(opened.reason)
    } finally {
      keyed.fileKey.fill(0)
    }
  }
}

/**
 * Builds an age decrypt function for an X25519 (`AGE-SECRET-KEY-1…`) or hybrid post-quantum
 * (`AGE-SECRET-KEY-PQ-1…`) identity. X25519 files open their payload through `bulk` (this thread by
 * default); post-quantum files go through the age library on this thread. Throws AgentError
 * `config_invalid` for a malformed identity; the returned function throws `decrypt`. Messages
 * never contain key material; a file packed for other recipients names the identity's own
 * recipient (its public key) in the hint.
 */
export const createAgeDecrypt = (identity: string, bulk: BulkOpener = IN_THREAD_OPENER): AgeDecrypt => {
  const trimmed = identity.trim()
  const unwrap = createX25519FileUnwrap(trimmed)
  return unwrap === undefined ? createLibraryDecrypt(trimmed) : createFastDecrypt(unwrap, trimmed, bulk)
}
