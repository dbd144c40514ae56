import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { createX25519FileDecrypt } from './decrypt-file.ts'
import { MAX_HEADER_BYTES, MAX_STANZAS, parseAgeHeader } from './header.ts'
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
const decrypt = createX25519FileDecrypt(me.identity) ?? expect.unreachable()
const plaintext = Buffer.from('{"app":{"KEY":"value"}}')

/** A file for `me` whose header is `build(ourStanza)`, sealed with the right MAC. */
const fileWith = (build: (mine: string) => string): Buffer => {
  const fileKey = randomBytes(16)
  const { share, body } = x25519Stanza(fileKey, me.publicKey)
  return sealFile(
    fileKey,
    build(stanzaText(['X25519', share], body)),
    payloadBytes(fileKey, standardChunks(plaintext)),
  )
}

const expectBothReject = async (file: Buffer, reason: RegExp): Promise<void> => {
  expect(ourOutcome(decrypt, file)).toMatchObject({ code: 'decrypt', message: expect.stringMatching(reason) })
  expect(await libraryOutcome(me.identity, file)).toBeInstanceOf(Error)
}

const expectBothDecrypt = async (file: Buffer): Promise<void> => {
  expect(ourOutcome(decrypt, file)).toEqual(plaintext)
  expect(Buffer.from((await libraryOutcome(me.identity, file)) as Uint8Array)).toEqual(plaintext)
}

describe('parseAgeHeader', () => {
  it('returns the stanzas, the MAC, what the MAC covers and where the payload starts', () => {
    const unknown = stanzaText(['example.com/x', 'a', 'b=c'], Buffer.alloc(50, 7))
    const file = fileWith((mine) => headerText([unknown, mine]))
    const h = parseAgeHeader(file)
    expect(h.stanzas.map((s) => s.args)).toEqual([
      ['example.com/x', 'a', 'b=c'],
      ['X25519', expect.any(String)],
    ])
    expect(h.stanzas[0]?.body).toEqual(Buffer.alloc(50, 7))
    const text = file.toString('latin1')
    const macLine = text.indexOf('\n--- ') + 1
    expect(Buffer.from(h.macInput).toString('latin1')).toBe(text.slice(0, macLine + 3))
    expect(b64(h.mac)).toBe(text.slice(macLine + 4, macLine + 47))
    expect(h.payloadOffset).toBe(macLine + 48)
  })

  it.each([
    ['an empty body', 0],
    ['a body of exactly one full line, then an empty final line', 48],
    ['a body of two full lines and a short one', 100],
    ['a body of two full lines, then an empty final line', 96],
  ])('accepts other stanzas with %s', async (_, size) => {
    await expectBothDecrypt(fileWith((mine) => headerText([stanzaText(['other'], randomBytes(size)), mine])))
  })

  it.each([
    ['another version', (m: string) => headerText([m], 'age-encryption.org/v2')],
    ['a version line with CR', (m: string) => headerText([m], 'age-encryption.org/v1\r')],
    ['CRLF line ends', (m: string) => headerText([m]).replaceAll('\n', '\r\n')],
    ['no stanza', () => headerText([])],
    ['a stanza line without arguments', (m: string) => headerText([`-> \n\n`, m])],
    ['"->" alone', (m: string) => headerText([`->\n\n`, m])],
    ['a double space between arguments', (m: string) => headerText([m.replace('X25519 ', 'X25519  ')])],
    ['a trailing space after the arguments', (m: string) => headerText([m.replace('\n', ' \n')])],
    ['a tab in an argument', (m: string) => headerText([`-> a\tb\n\n`, m])],
    ['a DEL byte in an argument', (m: string) => headerText([`-> a\x7fb\n\n`, m])],
    ['a non-ASCII byte in an argument', (m: string) => headerText([`-> caf\xe9\n\n`, m])],
    ['a 65-column body line', (m: string) => headerText([`-> x\n${'A'.repeat(65)}\n\n`, m])],
    ['a 68-column (decodable) body line', (m: string) => headerText([`-> x\n${'A'.repeat(68)}\n\n`, m])],
    ['a full body line with no final line', (m: string) => headerText([m, `-> x\n${'A'.repeat(64)}\n`])],
    ['a padded body', (m: string) => headerText([`-> x\nAA==\n`, m])],
    ['a non-canonical body', (m: string) => headerText([`-> x\nAB\n`, m])],
    ['a body with a non-base64 char', (m: string) => headerText([`-> x\nAA-A\n`, m])],
    ['a body of an impossible length', (m: string) => headerText([`-> x\nAAAAA\n`, m])],
    ['an unknown line', (m: string) => headerText([m, '+> x\n\n'])],
  ])('refuses a header with %s', async (_, build) => {
    await expectBothReject(fileWith(build), /^age decryption failed: invalid header/)
  })

  it.each([
    [
      '"---" without a MAC',
      (f: Buffer) => Buffer.from(f.toString('latin1').replace(/--- \S+\n/, '---\n'), 'latin1'),
    ],
    [
      'a short MAC',
      (f: Buffer) => Buffer.from(f.toString('latin1').replace(/(--- \S+)\S\n/, '$1\n'), 'latin1'),
    ],
    [
      'a padded MAC',
      (f: Buffer) => Buffer.from(f.toString('latin1').replace(/(--- \S+)\n/, '$1=\n'), 'latin1'),
    ],
    [
      'no LF after the MAC',
      (f: Buffer) => Buffer.from(f.toString('latin1').replace(/(--- \S+)\n[^]*/, '$1'), 'latin1'),
    ],
  ])('refuses %s', async (_, mutate) => {
    await expectBothReject(mutate(fileWith((m) => headerText([m]))), /^age decryption failed: invalid header/)
  })

  it('refuses a MAC whose spare bits are set (non-canonical), though it decodes to the right MAC', async () => {
    const file = fileWith((m) => headerText([m])).toString('latin1')
    const macEnd = file.indexOf('\n', file.indexOf('\n--- ') + 1)
    const last = file.charAt(macEnd - 1)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const bent = alphabet.charAt(alphabet.indexOf(last) | 1)
    const tampered = Buffer.from(file.slice(0, macEnd - 1) + bent + file.slice(macEnd), 'latin1')
    await expectBothReject(tampered, /^age decryption failed: invalid header: malformed MAC/)
  })

  it(`refuses a header over ${MAX_HEADER_BYTES} bytes, and more than ${MAX_STANZAS} stanzas`, () => {
    const huge = fileWith((m) => headerText([`-> x ${'a'.repeat(MAX_HEADER_BYTES)}\n\n`, m]))
    expect(ourOutcome(decrypt, huge)).toMatchObject({ message: /invalid header: truncated or too large/ })
    const many = fileWith((m) => headerText([...Array<string>(MAX_STANZAS).fill('-> x\n\n'), m]))
    expect(ourOutcome(decrypt, many)).toMatchObject({ message: /invalid header: too many stanzas/ })
    const most = fileWith((m) => headerText([...Array<string>(MAX_STANZAS - 1).fill('-> x\n\n'), m]))
    expect(ourOutcome(decrypt, most)).toEqual(plaintext)
  })

  it('refuses a file cut inside the header', async () => {
    const file = fileWith((m) => headerText([m]))
    for (const cut of [0, 5, 22, 40, 90, file.indexOf('---') + 10]) {
      await expectBothReject(file.subarray(0, cut), /^age decryption failed: invalid header/)
    }
  })
})
