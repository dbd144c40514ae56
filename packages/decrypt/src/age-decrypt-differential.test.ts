// Differential tests: our node:crypto age path against the age-encryption library, on the vectors,
// on random plaintexts and on tampered files. A failing property prints its seed and path; replay
// it with fc.assert(…, { seed, path }).
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { generateHybridIdentity, generateX25519Identity, identityToRecipient } from 'age-encryption'
import { loadVectors, vectorText, type Vector } from '@clef-sh/testing'
import { createAgeDecrypt } from './age-decrypt.ts'
import { createX25519FileDecrypt } from './age-v1/decrypt-file.ts'
import {
  agentOutcome,
  bytesOf,
  digest,
  encryptTo,
  expectOurFailure,
  libraryOutcome,
  newX25519Identity,
} from './age-v1/test-age-file.ts'

const KIB64 = 65536

const ourOutcome = async (identity: string, file: Uint8Array): Promise<Uint8Array | Error> =>
  agentOutcome(createAgeDecrypt(identity), file)

/** The decoded ciphertext of a vector, when its artifact has one (some are not even JSON). */
const ciphertextOf = (v: Vector): Buffer | undefined => {
  try {
    const ciphertext = (JSON.parse(vectorText(v)) as { ciphertext?: unknown }).ciphertext
    return typeof ciphertext === 'string' ? Buffer.from(ciphertext, 'base64') : undefined
  } catch {
    return undefined
  }
}

describe('age vectors: our path and the library agree', () => {
  const ageVectors = loadVectors().filter((v) => v.ageKey !== null && ciphertextOf(v) !== undefined)

  it('cover the decryptable vectors and the wrong key', () => {
    expect(ageVectors.map((v) => v.name)).toEqual(
      expect.arrayContaining([
        'age-basic',
        'large-5000-keys',
        'age-pq-hybrid',
        'wrong-age-key',
        'ciphertext-tampered',
      ]),
    )
  })

  for (const v of ageVectors) {
    it(v.name, async () => {
      const identity = v.ageKey ?? ''
      const file = ciphertextOf(v) ?? expect.unreachable()
      const fast = createX25519FileDecrypt(identity)
      // X25519 identities must take our path; hybrid ones must not.
      expect(fast === undefined).toBe(identity.startsWith('AGE-SECRET-KEY-PQ-1'))
      const ours = await ourOutcome(identity, file)
      const library = await libraryOutcome(identity, file)
      if (library instanceof Error) expectOurFailure(ours)
      else expect(digest(ours)).toBe(digest(library))
      if (v.expect.ok)
        expect(JSON.parse(Buffer.from(ours as Uint8Array).toString('utf8'))).toEqual(v.expect.values)
    })
  }
})

describe('random plaintexts encrypted by the library', () => {
  const me = newX25519Identity()

  const sameOnBothPaths = async (seed: number, size: number): Promise<void> => {
    const { identity, recipient } = await me
    const plaintext = bytesOf(seed, size)
    const file = await encryptTo([recipient], plaintext)
    expect(createX25519FileDecrypt(identity)?.(file)).toBeDefined()
    expect(digest(await ourOutcome(identity, file))).toBe(digest(plaintext))
    expect(digest(await libraryOutcome(identity, file))).toBe(digest(plaintext))
  }

  it('decrypt to the same bytes on both paths (small sizes, empty and one byte included)', async () => {
    const size = fc.oneof(fc.constantFrom(0, 1), fc.nat(3000))
    await fc.assert(fc.asyncProperty(fc.integer(), size, sameOnBothPaths), { numRuns: 200 })
  })

  it('decrypt to the same bytes on both paths at and around the 64 KiB chunk boundaries', async () => {
    // Few runs: each encrypts and decrypts up to 192 KiB with the library's JavaScript ChaCha20.
    const size = fc.oneof(
      fc.constantFrom(KIB64 - 1, KIB64, KIB64 + 1, 2 * KIB64, 2 * KIB64 + 1),
      fc.integer({ min: 3000, max: 3 * KIB64 }),
    )
    await fc.assert(fc.asyncProperty(fc.integer(), size, sameOnBothPaths), {
      numRuns: 20,
      examples: [
        [1, KIB64 - 1],
        [2, KIB64],
        [3, KIB64 + 1],
        [4, 2 * KIB64],
      ],
    })
  })

  it('fail for a wrong identity, on both paths', async () => {
    const me = await newX25519Identity()
    const file = await encryptTo([me.recipient], Buffer.from('secret'))
    await fc.assert(
      fc.asyncProperty(fc.constant(null), async () => {
        const stranger = await generateX25519Identity()
        const ours = await ourOutcome(stranger, file)
        expectOurFailure(ours)
        expect((ours as Error).message).toBe(
          "age decryption failed: no identity matched any of the file's recipients",
        )
        expect(await libraryOutcome(stranger, file)).toBeInstanceOf(Error)
      }),
      { numRuns: 20 },
    )
  })
})

describe('hybrid post-quantum files', () => {
  it('decrypt with either identity when they have both an X25519 and an mlkem768x25519 stanza', async () => {
    const me = await newX25519Identity()
    const pq = await generateHybridIdentity()
    const plaintext = bytesOf(7, 1000)
    const file = await encryptTo([await identityToRecipient(pq), me.recipient], plaintext)
    expect(createX25519FileDecrypt(me.identity)?.(file)).toBeDefined()
    expect(digest(await ourOutcome(me.identity, file))).toBe(digest(plaintext))
    expect(digest(await ourOutcome(pq, file))).toBe(digest(plaintext))
  })

  it('are left to the library for an X25519 identity when no stanza is X25519', async () => {
    const me = await newX25519Identity()
    const file = await encryptTo(
      [await identityToRecipient(await generateHybridIdentity())],
      Buffer.from('x'),
    )
    expect(createX25519FileDecrypt(me.identity)?.(file)).toBeUndefined()
    const ours = await ourOutcome(me.identity, file)
    expect(ours).toMatchObject({
      code: 'decrypt',
      message: "age decryption failed: no identity matched any of the file's recipients",
    })
  })
})
