// Fuzzes parseConfig with arbitrary environments: it never throws, every issue names a variable,
// and no issue ever repeats the token, the age key or the VCS token, even when they sit in a
// misspelled variable. `CLEF_FUZZ_RUNS=n` runs longer; a failure prints its seed (fixed unless
// `CLEF_FUZZ_SEED` is set).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KNOWN_VARIABLES } from './known-variables.ts'
import { parseConfig } from './parse-config.ts'

const LONG_RUNS = Number(process.env['CLEF_FUZZ_RUNS'] ?? 0)
const SEED = Number(process.env['CLEF_FUZZ_SEED'] ?? 0x5eed)
const runs = (short: number): fc.Parameters<unknown> => ({ numRuns: LONG_RUNS || short, seed: SEED })
const TIMEOUT_MS = LONG_RUNS > 0 ? 3_600_000 : 30_000
const OPTS = { tmpdir: '/tmp', uid: 1000, randomUUID: () => 'fuzz-id' }
const SECRET_VARIABLES = ['CLEF_AGENT_TOKEN', 'CLEF_AGENT_AGE_KEY', 'CLEF_AGENT_VCS_TOKEN'] as const

/** Stands for a 1 MiB value, expanded just before parsing so counterexamples stay printable. */
const HUGE = '<1 MiB of x>'
const expand = (env: Record<string, string | undefined>): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === HUGE ? 'x'.repeat(1 << 20) : v]))

/** Values that parse, values that nearly do, and noise (control characters, megabyte strings). */
const value: fc.Arbitrary<string | undefined> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '0',
      '1',
      '30',
      '65535',
      '65536',
      '-1',
      '1e3',
      '0x10',
      'true',
      'FALSE',
      'yes',
      'json',
      'PRETTY',
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '/etc/clef/a.json',
      'file:///a.json',
      'file://host/a',
      'https://u:p@x/a.json',
      'http://[::1',
      's3://b/k',
      'ftp://x',
      'gitlab',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'AGE-SECRET-KEY-1XYZ',
      'MCowBQYDK2VwAyEA+QDvBzLCdxaQ5vvLo7bCWnqFRESxuERPh2/m546EIIU=',
      'bm90IGEga2V5',
    ),
  },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(HUGE) },
  { weight: 1, arbitrary: fc.constant(undefined) },
)

/** A misspelling of a known name: one character dropped, doubled or changed. */
const typo: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...KNOWN_VARIABLES), fc.nat(), fc.constantFrom('drop', 'double', 'change'))
  .map(([name, at, how]) => {
    const i = 11 + (at % (name.length - 11))
    const c = name[i] ?? ''
    if (how === 'drop') return name.slice(0, i) + name.slice(i + 1)
    return name.slice(0, i) + (how === 'double' ? c + c : c === 'X' ? 'Y' : 'X') + name.slice(i + 1)
  })

const name: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN_VARIABLES) },
  { weight: 2, arbitrary: typo },
  { weight: 1, arbitrary: fc.stringMatching(/^CLEF_AGENT_[A-Z_]{0,12}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'XDG_RUNTIME_DIR',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'PATH',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
)

/** A secret that cannot turn up in a message by chance: a fixed marker around arbitrary text. */
const secret: fc.Arbitrary<string> = fc
  .tuple(fc.string({ unit: 'binary', maxLength: 24 }), fc.stringMatching(/^[a-z0-9]{6}$/))
  .map(([noise, id]) => `s3cr3t-${id}${noise}`)

/** An environment plus the secrets it holds, each in its own variable and maybe in a misspelled one. */
const environment = fc
  .tuple(
    fc.dictionary(name, value, { maxKeys: 12 }),
    fc.tuple(secret, secret, secret),
    fc.array(fc.tuple(fc.nat({ max: 2 }), typo), { maxLength: 3 }),
    fc.boolean(),
  )
  .map(([env, secrets, misplaced, ageKeyPrefix]) => {
    const out: Record<string, string | undefined> = { ...env }
    SECRET_VARIABLES.forEach((v, i) => {
      const s = secrets[i] ?? ''
      // A well-formed age key passes the prefix check; the rest of it must never be echoed either.
      out[v] = v === 'CLEF_AGENT_AGE_KEY' && ageKeyPrefix ? `AGE-SECRET-KEY-${s}` : s
    })
    for (const [i, where] of misplaced) out[where] = secrets[i] ?? ''
    return { env: out, secrets }
  })

describe('fuzz: parseConfig on arbitrary environments', () => {
  it(
    'never throws, and every issue names a variable of the environment or a known one',
    () => {
      fc.assert(
        fc.property(fc.dictionary(name, value, { maxKeys: 16 }), (env) => {
          const result = parseConfig(expand(env), OPTS)
          if (result.ok) return
          expect(result.issues.length).toBeGreaterThan(0)
          const names = new Set([...KNOWN_VARIABLES, ...Object.keys(env)])
          for (const issue of result.issues) {
            expect(names).toContain(issue.variable)
            expect(issue.message.length).toBeGreaterThan(0)
            expect(issue.message.length).toBeLessThan(400)
          }
        }),
        runs(1000),
      )
    },
    TIMEOUT_MS,
  )

  it(
    'never repeats the token, the age key or the VCS token in an issue',
    () => {
      fc.assert(
        fc.property(environment, ({ env, secrets }) => {
          const result = parseConfig(expand(env), OPTS)
          if (result.ok) return
          const text = JSON.stringify(result.issues)
          for (const s of secrets) {
            expect(text).not.toContain(s.trim())
            expect(text).not.toContain(JSON.stringify(s.trim()).slice(1, -1))
            expect(text).not.toContain(s.slice(0, 13))
          }
        }),
        runs(1000),
      )
    },
    TIMEOUT_MS,
  )
})
