// Decrypts a whole binary age v1 file for an X25519 identity, synchronously on node:crypto: the
// JIT hot path. Files without an X25519 stanza are left to the caller (the age-encryption library).
import { createHmac, timingSafeEqual } from 'node:crypto'
import { ageFailure, noMatchingRecipient } from './age-failure.ts'
import { hkdfSha256 } from './hkdf.ts'
import { parseAgeHeader, type AgeHeader } from './header.ts'
import { decryptPayload } from './payload.ts'
import { parseX25519Identity } from './x25519.ts'

/** Plaintext of `file`, or undefined when its header has no X25519 stanza. */
export type X25519FileDecrypt = (file: Uint8Array) => Buffer | undefined

/** A file's key (the caller zeroes it) and its payload, once the header checked out. */
export interface KeyedPayload {
  fileKey: Buffer
  payload: Uint8Array
}

/** The key and payload of `file`, or undefined when its header has no X25519 stanza. */
export type X25519FileUnwrap = (file: Uint8Array) => KeyedPayload | undefined

const EMPTY = Buffer.alloc(0)
const HEADER_LABEL = Buffer.from('header')

/** HMAC-SHA-256 over the header up to `---`, keyed by HKDF(file key, "header"); constant-time. */
const verifyHeaderMac = (fileKey: Buffer, header: AgeHeader): void => {
  const macKey = hkdfSha256(fileKey, EMPTY, HEADER_LABEL)
  const mac = createHmac('sha256', macKey).update(header.macInput).digest()
  macKey.fill(0)
  if (!timingSafeEqual(mac, header.mac)) ageFailure('invalid header HMAC')
}

/**
 * Builds the header half of a decrypt for an `AGE-SECRET-KEY-1…` identity, importing the key once;
 * returns undefined when `identity` is not one. The function parses the header, unwraps the file
 * key and checks the header MAC; it throws AgentError `decrypt` for a malformed file, a header no
 * stanza of which is addressed to the identity (its hint names the identity's recipient), or a bad
 * MAC.
 */
export const createX25519FileUnwrap = (identity: string): X25519FileUnwrap | undefined => {
  const x25519 = parseX25519Identity(identity)
  if (x25519 === undefined) return undefined
  return (file) => {
    const header = parseAgeHeader(file)
    if (!header.stanzas.some((s) => s.args[0] === 'X25519')) return undefined
    const fileKey = x25519.unwrap(header.stanzas)
    if (fileKey === null) throw noMatchingRecipient(x25519.recipient)
    try {
      verifyHeaderMac(fileKey, header)
    } catch (e) {
      fileKey.fill(0)
      throw e
    }
    return { fileKey, payload: file.subarray(header.payloadOffset) }
  }
}

/**
 * Builds a decrypt function for an `AGE-SECRET-KEY-1…` identity, importing the key once; returns
 * undefined when `identity` is not one. The function throws AgentError `decrypt` for a malformed
 * file, a header no stanza of which is addressed to the identity, a bad MAC or a bad payload.
 */
export const createX25519FileDecrypt = (identity: string): X25519FileDecrypt | undefined => {
  const unwrap = createX25519FileUnwrap(identity)
  if (unwrap === undefined) return undefined
  return (file) => {
    const keyed = unwrap(file)
    if (keyed === undefined) return undefined
    try {
      return decryptPayload(keyed.fileKey, keyed.payload)
    } finally {
      keyed.fileKey.fill(0)
    }
  }
}
