import { describe, expect, it } from 'vitest'
import { createInProcessKms, loadVectors, vector } from '@clef-sh/testing'
import { randomBytes } from 'node:crypto'
import { MAX_PQ_STANZAS } from './age-decrypt.ts'
import { decodeBech32, encodeBech32 } from './age-v1/bech32.ts'
import { createDecryptor } from './index.ts'
import { artifactOf, failure } from './test-helpers.ts'

const okAgeVectors = loadVectors().filter((v) => v.expect.ok && v.ageKey !== null)

describe('age artifacts', () => {
  it('covers the X25519, hybrid post-quantum and large vectors', () => {
    expect(okAgeVectors.map((v) => v.name)).toEqual(
      expect.arrayContaining(['age-basic', 'age-multi-namespace', 'age-pq-hybrid', 'large-5000-keys']),
    )
  })

  for (const v of okAgeVectors) {
    it(`${v.name}: decrypts to exactly the expected values, in order`, async () => {
      if (!v.expect.ok || v.ageKey === null) throw new Error('filtered above')
      const values = await createDecryptor({ ageIdentity: v.ageKey }).decrypt(artifactOf(v.name))
      expect(values).toStrictEqual(v.expect.values)
      expect(JSON.stringify(values)).toBe(JSON.stringify(v.expect.values))
    })
  }

  it('wrong-age-key: refuses with decrypt, without key material in the message', async () => {
    const v = vector('wrong-age-key')
    const err = await failure(createDecryptor({ ageIdentity: v.ageKey ?? '' }).decrypt(artifactOf(v.name)))
    expect(err.code).toBe('decrypt')
    expect(err.message).toMatch(/^age decryption failed: /)
    expect(err.message).not.toContain(v.ageKey?.slice(15, 40))
  })

  it('reuses one decryptor across calls', async () => {
    const v = vector('age-basic')
    const d = createDecryptor({ ageIdentity: v.ageKey ?? '' })
    const [a, b] = await Promise.all([d.decrypt(artifactOf(v.name)), d.decrypt(artifactOf(v.name))])
    expect(a).toEqual(b)
  })

  it('needs an age identity for an age artifact', async () => {
    const err = await failure(
      createDecryptor({ kms: createInProcessKms().resolver }).decrypt(artifactOf('age-basic')),
    )
    expect(err.code).toBe('decrypt')
    expect(err.message).toMatch(/no age identity/)
    expect(err.hint).toContain('CLEF_AGENT_AGE_KEY')
  })

  it('refuses a malformed identity at construction as config_invalid, without echoing it', () => {
    for (const bad of [
      'AGE-SECRET-KEY-1NOTBECH32',
      'age1ehw8df269x6x7t6fsuqfquyskzvhhnha8nmn9s98vyedjztcjvvqz2gey3',
    ]) {
      let err: unknown
      try {
        createDecryptor({ ageIdentity: bad })
      } catch (e) {
        err = e
      }
      expect(err).toMatchObject({ code: 'config_invalid' })
      expect((err as Error).message).not.toContain(bad)
    }
  })

  it('refuses a well-formed identity of the wrong length at construction, not at the first decrypt', () => {
    const good = vector('age-basic').ageKey ?? ''
    // The encoder round-trips a real key, so the refusals below are about length alone.
    const decoded = decodeBech32(good)
    expect(decoded && encodeBech32(decoded.prefix, decoded.bytes)).toBe(good)
    for (const prefix of ['age-secret-key-', 'age-secret-key-pq-'])
      for (const length of [16, 31, 33, 64]) {
        const bad = encodeBech32(prefix, new Uint8Array(length).fill(7))
        expect(decodeBech32(bad)?.bytes.length).toBe(length)
        expect(() => createDecryptor({ ageIdentity: bad })).toThrow(
          expect.objectContaining({ code: 'config_invalid' }),
        )
      }
  })

  it('bounds the post-quantum library path: more than MAX_PQ_STANZAS ML-KEM stanzas are refused untried', async () => {
    const v = vector('age-pq-hybrid')
    const b64 = (n: number): string => randomBytes(n).toString('base64').replace(/=+$/, '')
    const junk = (): string => `-> mlkem768x25519 ${b64(1120)}\n${b64(32)}\n`
    const file = (stanzas: number): string =>
      Buffer.from(`age-encryption.org/v1\n${junk().repeat(stanzas)}--- ${b64(32)}\n`).toString('base64')
    const decryptor = createDecryptor({ ageIdentity: v.ageKey ?? '' })
    const over = await failure(
      decryptor.decrypt({ ...artifactOf(v.name), ciphertext: file(MAX_PQ_STANZAS + 1) }),
    )
    expect(over).toMatchObject({
      code: 'decrypt',
      message: expect.stringMatching(/post-quantum stanzas, more than 128/),
    })
    // At the cap the library does try them all, and finds none for this identity.
    const at = await failure(decryptor.decrypt({ ...artifactOf(v.name), ciphertext: file(MAX_PQ_STANZAS) }))
    expect(at.code).toBe('decrypt')
    expect(at.message).not.toMatch(/more than/)
  })

  it('refuses an age ciphertext that is not an age file', async () => {
    const a = { ...artifactOf('age-basic'), ciphertext: Buffer.from('not an age file').toString('base64') }
    const err = await failure(createDecryptor({ ageIdentity: vector('age-basic').ageKey ?? '' }).decrypt(a))
    expect(err.code).toBe('decrypt')
  })
})
