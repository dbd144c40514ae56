import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { createX25519FileDecrypt } from './decrypt-file.ts'
import { decryptPayload } from './payload.ts'
import {
  headerText,
  libraryOutcome,
  newX25519Identity,
  digest,
  ourOutcome,
  payloadBytes,
  sealFile,
  standardChunks,
  stanzaText,
  x25519Stanza,
  type TestChunk,
} from './test-age-file.ts'

const KIB64 = 65536
const me = await newX25519Identity()
const decrypt = createX25519FileDecrypt(me.identity) ?? expect.unreachable()

/** A file for `me` whose payload is exactly `chunks` (counters and final flags as given). */
const fileOf = (chunks: readonly TestChunk[]): Buffer => {
  const fileKey = randomBytes(16)
  const { share, body } = x25519Stanza(fileKey, me.publicKey)
  return sealFile(fileKey, headerText([stanzaText(['X25519', share], body)]), payloadBytes(fileKey, chunks))
}

const chunk = (size: number, counter: number, final: boolean): TestChunk => ({
  plaintext: randomBytes(size),
  counter,
  final,
})

const expectBothReject = async (file: Buffer, reason: string): Promise<void> => {
  expect(ourOutcome(decrypt, file)).toMatchObject({
    code: 'decrypt',
    message: `age decryption failed: ${reason}`,
  })
  expect(await libraryOutcome(me.identity, file)).toBeInstanceOf(Error)
}

describe('age payload (STREAM)', () => {
  it.each([0, 1, KIB64 - 1, KIB64, KIB64 + 1, 2 * KIB64, 2 * KIB64 + 17])(
    'decrypts a %i-byte plaintext chunked as the spec says, like the library',
    async (size) => {
      const plaintext = randomBytes(size)
      const file = fileOf(standardChunks(plaintext))
      expect(digest(ourOutcome(decrypt, file))).toBe(digest(plaintext))
      expect(digest(await libraryOutcome(me.identity, file))).toBe(digest(plaintext))
    },
  )

  it.each([
    ['the final flag on a full first chunk, with more after it', [chunk(KIB64, 0, true), chunk(5, 1, true)]],
    ['no final flag on the last chunk', [chunk(KIB64, 0, false), chunk(5, 1, false)]],
    ['no final flag on a single chunk', [chunk(5, 0, false)]],
    ['a skipped counter', [chunk(KIB64, 0, false), chunk(5, 2, true)]],
    ['chunks out of order', [chunk(KIB64, 1, false), chunk(5, 0, true)]],
    ['a repeated counter', [chunk(KIB64, 0, false), chunk(KIB64, 0, false), chunk(5, 2, true)]],
  ])('refuses %s', async (_, chunks) => {
    await expectBothReject(fileOf(chunks), 'payload does not authenticate')
  })

  it('refuses an empty final chunk after a full one', async () => {
    await expectBothReject(fileOf([chunk(KIB64, 0, false), chunk(0, 1, true)]), 'final chunk is empty')
  })

  it('refuses a payload with no chunk, or cut inside the nonce or a tag', async () => {
    await expectBothReject(fileOf([]), 'payload has no final chunk')
    const file = fileOf([chunk(10, 0, true)])
    const payloadStart = file.length - 16 - 26
    await expectBothReject(file.subarray(0, payloadStart + 7), 'payload is truncated')
    await expectBothReject(file.subarray(0, file.length - 11), 'payload is truncated')
    await expectBothReject(file.subarray(0, file.length - 6), 'payload does not authenticate')
  })

  it('refuses a payload cut or extended at a chunk boundary', async () => {
    const file = fileOf(standardChunks(randomBytes(2 * KIB64)))
    await expectBothReject(file.subarray(0, file.length - KIB64 - 16), 'payload does not authenticate')
    await expectBothReject(Buffer.concat([file, randomBytes(16)]), 'final chunk is empty')
    await expectBothReject(Buffer.concat([file, randomBytes(40)]), 'payload does not authenticate')
  })

  it('returns nothing when a chunk after a good one is altered', () => {
    const plaintext = randomBytes(KIB64 + 10)
    const file = fileOf(standardChunks(plaintext))
    file[file.length - 1] = (file[file.length - 1] ?? 0) ^ 0x80
    expect(ourOutcome(decrypt, file)).toMatchObject({
      message: 'age decryption failed: payload does not authenticate',
    })
  })

  it('refuses a payload under the wrong file key', () => {
    const file = fileOf([chunk(10, 0, true)])
    expect(() => decryptPayload(randomBytes(16), file.subarray(file.length - 42))).toThrow(
      /does not authenticate/,
    )
  })
})
