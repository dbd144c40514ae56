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
