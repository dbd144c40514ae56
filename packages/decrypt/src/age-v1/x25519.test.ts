import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { generateHybridIdentity } from 'age-encryption'
import { createX25519FileDecrypt } from './decrypt-file.ts'
import { parseX25519Identity } from './x25519.ts'
import {
  b64,
  headerText,
  libraryOutcome,
  newX25519Identity,
  ourOutcome,
  payloadBytes,
  sealFile,
  standardChunks,
  stanzaText,
  x25519Stanza,
} from './test-age-file.ts'

const me = await newX25519Identity()
const other = await newX25519Identity()
const decrypt = createX25519FileDecrypt(me.identity) ?? expect.unreachable()
const plaintext = Buffer.from('hello')

/** A sealed file whose stanzas are built from a file key and a valid X25519 stanza for `me`. */
const fileWith = (stanzas: (fileKey: Buffer, mine: { share: string; body: Buffer }) => string[]): Buffer => {
  const fileKey = randomBytes(16)
  const header = headerText(stanzas(fileKey, x25519Stanza(fileKey, me.publicKey)))
  return sealFile(fileKey, header, payloadBytes(fileKey, standardChunks(plaintext)))
}

const mineText = (mine: { share: string; body: Buffer }): string =>
  stanzaText(['X25519', mine.share], mine.body)

const expectBothReject = async (file: Buffer, reason: string): Promise<void> => {
  expect(ourOutcome(decrypt, file)).toMatchObject({
    code: 'decrypt',
    message: `age decryption failed: ${reason}`,
  })
  expect(await libraryOutcome(me.identity, file)).toBeInstanceOf(Error)
}

describe('parseX25519Identity', () => {
  it('takes AGE-SECRET-KEY-1… only, leaving anything else to the library', async () => {
    expect(parseX25519Identity(me.identity)).toBeDefined()
    for (const notOurs of [
      me.identity.toLowerCase(),
      me.identity.slice(0, -1) + (me.identity.endsWith('Q') ? 'P' : 'Q'),
      await generateHybridIdentity(),
      me.recipient,
      '',
    ]) {
      expect(parseX25519Identity(notOurs)).toBeUndefined()
    }
  })
})

describe('X25519 stanzas', () => {
  it('skips stanzas for other recipients and of other types, then unwraps ours', async () => {
    const file = fileWith((fileKey, mine) => [
      stanzaText(['mlkem768x25519', b64(randomBytes(1120))], randomBytes(32)),
      stanzaText(
        ['X25519', x25519Stanza(fileKey, other.publicKey).share],
        x25519Stanza(fileKey, other.publicKey).body,
      ),
      mineText(mine),
    ])
    expect(ourOutcome(decrypt, file)).toEqual(plaintext)
    expect(Buffer.from((await libraryOutcome(me.identity, file)) as Uint8Array)).toEqual(plaintext)
  })

  it('finds no stanza for a wrong identity', () => {
    const wrong = createX25519FileDecrypt(other.identity) ?? expect.unreachable()
    const file = fileWith((_, mine) => [mineText(mine)])
    expect(ourOutcome(wrong, file)).toMatchObject({
      code: 'decrypt',
      message: "age decryption failed: no identity matched any of the file's recipients",
    })
  })

  it('leaves a file without any X25519 stanza to the caller', () => {
    const file = fileWith(() => [stanzaText(['mlkem768x25519', b64(randomBytes(1120))], randomBytes(32))])
    expect(ourOutcome(decrypt, file)).toBeUndefined()
  })

  const ZERO_POINT = Buffer.alloc(32)
  const ORDER_4_POINT = Buffer.from('01'.padEnd(64, '0'), 'hex')
  it.each([
    ['one argument', (m: { share: string; body: Buffer }) => stanzaText(['X25519'], m.body)],
    ['three arguments', (m: { share: string; body: Buffer }) => stanzaText(['X25519', m.share, 'x'], m.body)],
    [
      'a share of 31 bytes',
      (m: { share: string; body: Buffer }) => stanzaText(['X25519', b64(randomBytes(31))], m.body),
    ],
    [
      'a share of 33 bytes',
      (m: { share: string; body: Buffer }) => stanzaText(['X25519', b64(randomBytes(33))], m.body),
    ],
    ['a padded share', (m: { share: string; body: Buffer }) => stanzaText(['X25519', `${m.share}=`], m.body)],
    [
      'a body of 31 bytes',
      (m: { share: string; body: Buffer }) => stanzaText(['X25519', m.share], m.body.subarray(1)),
    ],
    [
      'a body of 33 bytes',
      (m: { share: string; body: Buffer }) =>
        stanzaText(['X25519', m.share], Buffer.concat([m.body, Buffer.alloc(1)])),
    ],
    [
      'an all-zero share',
      (m: { share: string; body: Buffer }) => stanzaText(['X25519', b64(ZERO_POINT)], m.body),
    ],
    [
      'a low-order share',
      (m: { share: string; body: Buffer }) => stanzaText(['X25519', b64(ORDER_4_POINT)], m.body),
    ],
  ])('refuses a stanza with %s, even when a good one follows', async (_, bad) => {
    await expectBothReject(
      fileWith((__, mine) => [bad(mine), mineText(mine)]),
      'invalid X25519 stanza',
    )
  })

  it('refuses a share whose spare bits are set (non-canonical), though it decodes to the right share', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const file = fileWith((_, mine) => {
      const last = mine.share.charAt(42)
      const bent = `${mine.share.slice(0, 42)}${alphabet.charAt(alphabet.indexOf(last) | 1)}`
      return [stanzaText(['X25519', bent], mine.body), mineText(mine)]
    })
    await expectBothReject(file, 'invalid X25519 stanza')
  })

  it('refuses a stanza body that does not open, when no other stanza is ours', async () => {
    const file = fileWith((_, mine) => {
      const body = Buffer.from(mine.body)
      body[3] = (body[3] ?? 0) ^ 1
      return [stanzaText(['X25519', mine.share], body)]
    })
    await expectBothReject(file, "no identity matched any of the file's recipients")
  })
})
