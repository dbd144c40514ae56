import { describe, expect, it } from 'vitest'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { generateX25519Identity, identityToRecipient } from 'age-encryption'
import { decodeBech32 } from './bech32.ts'

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'

/** A minimal BIP 173 encoder over raw 5-bit words, to build strings age never writes. */
const encodeWords = (hrp: string, words: number[]): string => {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
  let chk = 1
  const values = [
    ...Array.from(hrp, (c) => c.charCodeAt(0) >> 5),
    0,
    ...Array.from(hrp, (c) => c.charCodeAt(0) & 31),
  ]
  for (const v of [...values, ...words, 0, 0, 0, 0, 0, 0]) {
    const top = chk >>> 25
    chk = ((chk & 0x1ffffff) << 5) ^ v
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i] ?? 0
  }
  chk ^= 1
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (chk >>> (5 * (5 - i))) & 31)
  return `${hrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`
}

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex')

describe('decodeBech32', () => {
  it('decodes an age identity and recipient that belong together, in either case', async () => {
    const identity = await generateX25519Identity()
    const secret = decodeBech32(identity)
    const recipient = decodeBech32(await identityToRecipient(identity))
    expect(secret?.prefix).toBe('age-secret-key-')
    expect(recipient?.prefix).toBe('age')
    const key = createPrivateKey({
      key: Buffer.concat([PKCS8_X25519, secret?.bytes ?? new Uint8Array(0)]),
      format: 'der',
      type: 'pkcs8',
    })
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' })
    expect(Buffer.from(recipient?.bytes ?? [])).toEqual(spki.subarray(12))
    expect(decodeBech32(identity.toLowerCase())?.bytes).toEqual(secret?.bytes)
  })

  it('refuses mixed case, a bad checksum, bad characters and a missing separator', async () => {
    const identity = await generateX25519Identity()
    const last = identity.at(-1) === 'Q' ? 'P' : 'Q'
    for (const bad of [
      identity.slice(0, 20) + identity.slice(20).toLowerCase(),
      identity.slice(0, -1) + last,
      identity.slice(0, -1) + 'B',
      'AGESECRETKEY',
      'A1QQQQQ',
    ]) {
      expect(decodeBech32(bad)).toBeUndefined()
    }
  })

  it('refuses non-zero padding bits and keeps zero ones', () => {
    expect(decodeBech32(encodeWords('age', [31, 0]))).toEqual({
      prefix: 'age',
      bytes: Uint8Array.from([0xf8]),
    })
    expect(decodeBech32(encodeWords('age', [31, 1]))).toBeUndefined()
    expect(decodeBech32(encodeWords('age', [31, 0, 0]))).toBeUndefined()
  })
})
