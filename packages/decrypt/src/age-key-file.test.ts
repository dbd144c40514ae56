import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { VECTORS_DIR, loadVectors } from '@clef-sh/testing'
import { parseAgeKeyFile } from './index.ts'

const keyFile = (name: string): string => readFileSync(join(VECTORS_DIR, 'keys', name), 'utf8')

describe('parseAgeKeyFile', () => {
  it.each(['pub-age-primary', 'pub-age-secondary', 'pub-age-unrelated', 'pub-age-pq-hybrid'])(
    'reads the key of %s.agekey',
    (name) => {
      const key = parseAgeKeyFile(keyFile(`${name}.agekey`))
      expect(key).toMatch(/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/)
      expect(keyFile(`${name}.agekey`)).toContain(key)
    },
  )

  it('finds the keys the vectors were packed for', () => {
    const keys = new Set(loadVectors().map((v) => v.ageKey))
    expect(keys).toContain(parseAgeKeyFile(keyFile('pub-age-primary.agekey')))
    expect(keys).toContain(parseAgeKeyFile(keyFile('pub-age-pq-hybrid.agekey')))
  })

  it('skips comments and blank lines, trims, accepts CRLF and takes the first key', () => {
    const text = '# created: now\r\n\r\n   \r\n  AGE-SECRET-KEY-1FIRST  \r\nAGE-SECRET-KEY-1SECOND\r\n'
    expect(parseAgeKeyFile(text)).toBe('AGE-SECRET-KEY-1FIRST')
  })

  it('ignores a key that is only mentioned inside a comment', () => {
    expect(parseAgeKeyFile('# AGE-SECRET-KEY-1OLD\nAGE-SECRET-KEY-1NEW')).toBe('AGE-SECRET-KEY-1NEW')
  })

  it('refuses a file without a key, without echoing it', () => {
    const text = '# public key: age1abc\nsk_live_not_an_age_key\n'
    let err: unknown
    try {
      parseAgeKeyFile(text)
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'config_invalid', message: expect.stringContaining('AGE-SECRET-KEY-') })
    expect((err as Error).message).not.toContain('sk_live')
    expect(() => parseAgeKeyFile('')).toThrow(/no AGE-SECRET-KEY- line found/)
  })
})

describe('parseAgeKeyFile: a public key instead of the private key', () => {
  it('says the file holds a public key and where the private key is expected, echoing nothing', async () => {
    const { generateHybridIdentity, generateX25519Identity, identityToRecipient } =
      await import('age-encryption')
    for (const identity of [await generateX25519Identity(), await generateHybridIdentity()]) {
      const recipient = await identityToRecipient(identity)
      let err: unknown
      try {
        parseAgeKeyFile(`# a recipients file\n${recipient}\n`)
      } catch (e) {
        err = e
      }
      expect(err).toMatchObject({
        code: 'config_invalid',
        message: 'age key file: holds a public key (age1…, a recipient), not the private key',
        hint: expect.stringContaining('AGE-SECRET-KEY-1') as string,
      })
      expect(JSON.stringify(err) + (err as Error).message).not.toContain(recipient.slice(5))
    }
  })
})
