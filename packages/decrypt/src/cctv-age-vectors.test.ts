// The C2SP age test vectors (npm `cctv-age`), written by age's authors to pin every corner of the
// format: each one that is binary (not armored) and has no passphrase must give its expected
// result on the node:crypto X25519 path, on the age-encryption library path and through
// createAgeDecrypt. The agent releases a plaintext only when the whole file decrypts, so a failing
// vector must release nothing (stricter than the vectors' "payload so far" rule).
import { createHash, randomBytes } from 'node:crypto'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import * as cctv from 'cctv-age'
import { generateX25519Identity } from 'age-encryption'
import { createAgeDecrypt, createLibraryDecrypt, type AgeDecrypt } from './age-decrypt.ts'
import { createX25519FileDecrypt } from './age-v1/decrypt-file.ts'
import {
  agentOutcome,
  b64,
  expectOurFailure,
  headerText,
  newX25519Identity,
  ourOutcome,
  payloadBytes,
  sealFile,
  stanzaText,
  standardChunks,
  x25519Stanza,
} from './age-v1/test-age-file.ts'

const SCRYPT_NOT_ALONE = 'age decryption failed: invalid header: a scrypt stanza must be alone'

interface CctvVector {
  readonly name: string
  readonly expect: string
  /** SHA-256 (hex) of the plaintext of a `success` vector. */
  readonly payload: string | undefined
  readonly identities: readonly string[]
  readonly armored: boolean
  readonly passphrase: boolean
  /** The binary age file. */
  readonly file: Buffer
}

/** A vector file: `key: value` lines, a blank line, then the age file (zlib-compressed or not). */
const parseVector = (name: string, bytes: Uint8Array): CctvVector => {
  const raw = Buffer.from(bytes)
  const split = raw.indexOf('\n\n')
  const meta = new Map<string, string[]>()
  for (const line of raw.toString('utf8', 0, split).split('\n')) {
    const colon = line.indexOf(': ')
    const key = line.slice(0, colon)
    meta.set(key, [...(meta.get(key) ?? []), line.slice(colon + 2)])
  }
  const body = raw.subarray(split + 2)
  return {
    name,
    expect: meta.get('expect')?.[0] ?? 'missing',
    payload: meta.get('payload')?.[0],
    identities: meta.get('identity') ?? [],
    armored: meta.has('armored'),
    passphrase: meta.has('passphrase'),
    file: meta.get('compressed')?.[0] === 'zlib' ? inflateSync(body) : body,
  }
}

const ALL = Object.entries(cctv as Record<string, Uint8Array>).map(([n, b]) => parseVector(n, b))
const BINARY = ALL.filter((v) => !v.armored && !v.passphrase)

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** The identities to try: a vector without one (`empty`) is tried with a fresh X25519 key. */
const identitiesOf = async (v: CctvVector): Promise<readonly string[]> =>
  v.identities.length > 0 ? v.identities : [await generateX25519Identity()]

/** Success gives the plaintext with the vector's hash; every failure is our fixed `decrypt`. */
const expectVectorOutcome = (v: CctvVector, outcome: Uint8Array | Error | undefined): void => {
  if (v.expect === 'success') {
    expect(outcome, v.name).toBeInstanceOf(Uint8Array)
    expect(sha256(outcome as Uint8Array), v.name).toBe(v.payload)
  } else {
    expect(outcome, v.name).toBeInstanceOf(Error)
    expect(outcome, v.name).toMatchObject({ code: 'decrypt' })
  }
}

const runAll = async (make: (identity: string) => AgeDecrypt): Promise<number> => {
  let runs = 0
  for (const v of BINARY) {
    for (const identity of await identitiesOf(v)) {
      expectVectorOutcome(v, await agentOutcome(make(identity), v.file))
      runs++
    }
  }
  return runs
}

describe('C2SP age test vectors (cctv-age)', () => {
  it('cover every expectation, X25519 and hybrid identities, compressed and not', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(143)
    expect(new Set(BINARY.map((v) => v.expect))).toEqual(
      new Set(['success', 'no match', 'HMAC failure', 'header failure', 'payload failure']),
    )
    expect(BINARY.length).toBe(85)
    expect(BINARY.some((v) => v.identities.some((i) => i.startsWith('AGE-SECRET-KEY-PQ-1')))).toBe(true)
  })

  it('the node:crypto X25519 path gives every expected result for the X25519 identities', () => {
    let decided = 0
    for (const v of BINARY) {
      for (const identity of v.identities.filter((i) => i.startsWith('AGE-SECRET-KEY-1'))) {
        const fast = createX25519FileDecrypt(identity)
        if (fast === undefined) throw new Error(`${v.name}: not an X25519 identity`)
        const outcome = ourOutcome(fast, v.file)
        // undefined: the header has no X25519 stanza, which the library path decides (below).
        if (outcome === undefined) continue
        expectVectorOutcome(v, outcome)
        if (outcome instanceof Error) expectOurFailure(outcome)
        decided++
      }
    }
    expect(decided).toBe(66)
  })

  it('the age-encryption library path gives every expected result', async () => {
    expect(await runAll(createLibraryDecrypt)).toBe(86)
  })

  it('createAgeDecrypt (what the agent runs) gives every expected result', async () => {
    expect(await runAll(createAgeDecrypt)).toBe(86)
  })

  it('refuses scrypt_and_x25519 as a malformed header on every path', async () => {
    const v = ALL.find((x) => x.name === 'scrypt_and_x25519')
    const identity = v?.identities[0]
    if (v === undefined || identity === undefined) throw new Error('scrypt_and_x25519 is missing')
    expect(v.expect).toBe('header failure')
    const fast = createX25519FileDecrypt(identity)
    if (fast === undefined) throw new Error('not an X25519 identity')
    for (const outcome of [
      ourOutcome(fast, v.file),
      await agentOutcome(createLibraryDecrypt(identity), v.file),
      await agentOutcome(createAgeDecrypt(identity), v.file),
    ])
      expect(outcome).toMatchObject({ message: SCRYPT_NOT_ALONE })
  })
})

describe('a scrypt stanza next to an X25519 stanza addressed to us', () => {
  // The file would decrypt with our key, its MAC is right: only the age rule refuses it.
  const mixedFile = async (): Promise<{ identity: string; file: Buffer }> => {
    const to = await newX25519Identity()
    const fileKey = randomBytes(16)
    const { share, body } = x25519Stanza(fileKey, to.publicKey)
    const stanzas = [
      stanzaText(['X25519', share], body),
      stanzaText(['scrypt', b64(randomBytes(16)), '10'], randomBytes(32)),
    ]
    const payload = payloadBytes(fileKey, standardChunks(Buffer.from('{"app":{"K":"v"}}')))
    return { identity: to.identity, file: sealFile(fileKey, headerText(stanzas), payload) }
  }

  it.each([
    ['the node:crypto path', createAgeDecrypt],
    ['the library path', createLibraryDecrypt],
  ])('is refused as a malformed header by %s, before any stanza is tried', async (_, make) => {
    const { identity, file } = await mixedFile()
    expect(await agentOutcome(make(identity), file)).toMatchObject({
      code: 'decrypt',
      message: SCRYPT_NOT_ALONE,
    })
  })
})
