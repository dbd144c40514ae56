import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { createX25519FileDecrypt } from './decrypt-file.ts'
import {
  headerText,
  libraryOutcome,
  newX25519Identity,
  ourOutcome,
  payloadBytes,
  sealFile,
  standardChunks,
  stanzaText,
  x25519File,
  x25519Stanza,
} from './test-age-file.ts'

const me = await newX25519Identity()
const decrypt = createX25519FileDecrypt(me.identity) ?? expect.unreachable()
const plaintext = Buffer.from('{"app":{"KEY":"value"}}')

describe('createX25519FileDecrypt', () => {
  it('decrypts a file written by hand to the spec, as the library does', async () => {
    const file = x25519File(me, plaintext)
    expect(ourOutcome(decrypt, file)).toEqual(plaintext)
    expect(Buffer.from((await libraryOutcome(me.identity, file)) as Uint8Array)).toEqual(plaintext)
  })

  it('returns undefined for an identity that is not AGE-SECRET-KEY-1…', () => {
    expect(createX25519FileDecrypt('AGE-SECRET-KEY-1NOTBECH32')).toBeUndefined()
  })

  it('refuses a header MAC made with another key, and a header changed after its MAC', async () => {
    const fileKey = randomBytes(16)
    const { share, body } = x25519Stanza(fileKey, me.publicKey)
    const header = headerText([stanzaText(['X25519', share], body)])
    const payload = payloadBytes(fileKey, standardChunks(plaintext))
    const wrongKey = sealFile(randomBytes(16), header, payload)
    const good = sealFile(fileKey, header, payload).toString('latin1')
    const extended = Buffer.from(
      good.replace('---', `${stanzaText(['extra'], Buffer.alloc(0))}---`),
      'latin1',
    )
    for (const file of [wrongKey, extended]) {
      expect(ourOutcome(decrypt, file)).toMatchObject({
        code: 'decrypt',
        message: 'age decryption failed: invalid header HMAC',
      })
      expect(await libraryOutcome(me.identity, file)).toBeInstanceOf(Error)
    }
  })

  it('keeps each call independent: a failure leaves the next decrypt intact', () => {
    const file = x25519File(me, plaintext)
    expect(ourOutcome(decrypt, file.subarray(0, file.length - 1))).toBeInstanceOf(Error)
    expect(ourOutcome(decrypt, file)).toEqual(plaintext)
    expect(ourOutcome(decrypt, file)).toEqual(plaintext)
  })
})
