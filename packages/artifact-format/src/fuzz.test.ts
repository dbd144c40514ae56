// Fuzzes docs/SPEC.md §1 checks 1–6 with mutated artifacts: the conformance vectors and freshly packed
// ones, with fields replaced by arbitrary JSON, truncated, grown to megabytes, bit-flipped or
// grafted from another artifact. parseArtifact + checkArtifact must only ever accept what is
// genuine and refuse the rest with a stable code and a short, printable message, quickly.
// `CLEF_FUZZ_RUNS=n` runs longer; a failure prints its seed (fixed unless `CLEF_FUZZ_SEED` is set).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isAgentError } from '@clef-sh/errors'
import { createAgeKey, loadVectors, packArtifact, VECTORS_DIR, vectorText } from '@clef-sh/testing'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  buildSigningPayload,
  checkArtifact,
  parseArtifact,
  parseVerifyKey,
  type PackedArtifact,
  type VerifyKey,
} from './index.ts'

const LONG_RUNS = Number(process.env['CLEF_FUZZ_RUNS'] ?? 0)
const SEED = Number(process.env['CLEF_FUZZ_SEED'] ?? 0x5eed)
/** `short` cases in CI; in long mode `CLEF_FUZZ_RUNS` scaled by `share` (costly properties run fewer). */
const runs = (short: number, share = 1): fc.Parameters<unknown> => ({
  numRuns: LONG_RUNS > 0 ? Math.max(short, Math.round(LONG_RUNS * share)) : short,
  seed: SEED,
})
const TIMEOUT_MS = LONG_RUNS > 0 ? 3_600_000 : 60_000
/** No single artifact may take longer than this (a 4 MiB field included) on a busy 2-core box. */
const CASE_LIMIT_MS = 2000
const NOW = Date.parse('2027-06-01T00:00:00Z')

/** Every code checks 1–6 may give; anything else (or a non-AgentError) is a bug. */
const CHECK_CODES = new Set([
  'json_parse',
  'revoked',
  'invalid_shape',
  'unsupported_version',
  'expired',
  'integrity',
  'signature_missing',
  'signature_invalid',
])

interface Base {
  name: string
  text: string
  verifyKey: VerifyKey | undefined
}

type Outcome = { ok: true; artifact: PackedArtifact } | { ok: false; code: string; message: string }

const key = (file: string): string => readFileSync(join(VECTORS_DIR, 'keys', file), 'utf8').trim()
const ED25519 = { pkcs8: key('pub-ed25519.pkcs8.b64'), spki: key('pub-ed25519.spki.b64') }
const P256 = { pkcs8: key('pub-ecdsa-p256.pkcs8.b64'), spki: key('pub-ecdsa-p256.spki.b64') }

const vectorBases = (): Base[] =>
  loadVectors().map((v) => ({
    name: v.name,
    text: vectorText(v),
    verifyKey: v.verifyKey === null ? undefined : parseVerifyKey(v.verifyKey),
  }))

const packedBases = async (): Promise<Base[]> => {
  const { recipient } = await createAgeKey()
  const values = { app: { DB_URL: 'postgres://fuzz', TOKEN: 'hunter2' } }
  const envelope = {
    dek: new Uint8Array(32).fill(7),
    keyId: 'arn:aws:kms:eu-west-1:1:key/k',
    wrappedKey: 'AQID',
  }
  const expiresAt = '2099-01-01T00:00:00.000Z'
  const pack = async (name: string, signer: typeof ED25519 | undefined, more: object): Promise<Base> => ({
    name,
    text: await packArtifact({ values, recipient, ...more, ...(signer ? { signingKey: signer.pkcs8 } : {}) }),
    verifyKey: signer === undefined ? undefined : parseVerifyKey(signer.spki),
  })
  return Promise.all([
    pack('packed age, ed25519, expiring', ED25519, { expiresAt }),
    pack('packed age, p256', P256, {}),
    pack('packed envelope, ed25519', ED25519, { envelope }),
    pack('packed envelope, p256, expiring', P256, { envelope, expiresAt }),
    pack('packed age, unsigned', undefined, {}),
  ])
}

const run = (text: string, verifyKey: VerifyKey | undefined): Outcome => {
  try {
    const artifact = parseArtifact(text)
    checkArtifact(artifact, { now: NOW, verifyKey })
    return { ok: true, artifact }
  } catch (e) {
    if (!isAgentError(e)) throw new Error(`not an AgentError: ${String(e)}`, { cause: e })
    return { ok: false, code: e.code, message: e.message }
  }
}

// ---- mutations -------------------------------------------------------------------------------

type Json = Record<string, unknown>
/** A named text → text change; the name is what fast-check prints for a counterexample. */
interface Mutation {
  apply(text: string, bases: readonly Base[]): string
  [fc.toStringMethod](): string
}
const mutation = (label: string, apply: Mutation['apply']): Mutation => ({
  apply,
  [fc.toStringMethod]: () => label,
})

const TOP = [
  'version',
  'identity',
  'environment',
  'packedAt',
  'revision',
  'ciphertextHash',
  'ciphertext',
  'envelope',
  'expiresAt',
  'revokedAt',
  'signature',
  'signatureAlgorithm',
  '__proto__',
  'constructor',
  'x-extra',
]
const ENVELOPE = ['provider', 'keyId', 'wrappedKey', 'algorithm', 'iv', 'authTag']
const BASE64 = new Set(['ciphertext', 'signature', 'wrappedKey', 'iv', 'authTag'])
const MiB = 1 << 20
const HUGE = {
  letters: 'A'.repeat(4 * MiB),
  base64: Buffer.alloc(3 * MiB, 0xa5).toString('base64'),
  // V8's Date.parse skips parenthesized comments: a valid date of any length and content.
  date: `2020-01-01 (${'\n\u0000\u001b[31m'.repeat(MiB / 4)})`,
  hex: 'ab'.repeat(2 * MiB),
}

/** Edits the artifact as JSON; text that is not a JSON object is left as is. */
const onObject = (label: string, edit: (obj: Json, bases: readonly Base[]) => void): Mutation =>
  mutation(label, (text, bases) => {
    let obj: unknown
    try {
      obj = JSON.parse(text)
    } catch {
      return text
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return text
    edit(obj as Json, bases)
    return JSON.stringify(obj, null, 2)
  })

/** Sets an own property, even `__proto__` (a plain assignment would change the prototype instead). */
const setField = (obj: Json, path: readonly string[], value: unknown): void => {
  const [head, sub] = path
  if (head === undefined) return
  if (sub === undefined) {
    if (value === undefined) Reflect.deleteProperty(obj, head)
    else Object.defineProperty(obj, head, { value, enumerable: true, writable: true, configurable: true })
    return
  }
  const inner = obj[head]
  const target: Json =
    typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Json) : {}
  setField(target, [sub], value)
  setField(obj, [head], target)
}
const getField = (obj: Json, path: readonly string[]): unknown =>
  path.reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Json)[k] : undefined), obj)

const fieldPath: fc.Arbitrary<readonly string[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TOP).map((f) => [f]) },
  { weight: 1, arbitrary: fc.constantFrom(...ENVELOPE).map((f) => ['envelope', f]) },
)

const replaceField = fc
  .tuple(
    fieldPath,
    fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.jsonValue({ maxDepth: 1, stringUnit: 'binary' }),
      fc.constant(undefined),
      fc.constantFrom(
        '',
        ' ',
        '1',
        1,
        -0,
        1e308,
        true,
        [],
        {},
        '2020-01-01T00:00:00Z',
        '2099-01-01 (\u001b[2J)',
      ),
    ),
  )
  .map(([path, value]) =>
    onObject(`set ${path.join('.')} = ${fc.stringify(value)}`, (obj) => {
      setField(obj, path, value)
    }),
  )

const hugeField = fc
  .tuple(
    fieldPath,
    fc.constantFrom(...(Object.keys(HUGE) as (keyof typeof HUGE)[])),
    fc.constantFrom(64 * 1024, MiB, 4 * MiB),
  )
  .map(([path, kind, size]) =>
    onObject(`set ${path.join('.')} = ${kind} × ${size}`, (obj) => {
      setField(obj, path, HUGE[kind].slice(0, size))
    }),
  )

const flip = (bytes: Buffer, bit: number): Buffer => {
  const out = Buffer.from(bytes)
  const i = Math.floor(bit / 8) % out.length
  out[i] = (out[i] ?? 0) ^ (1 << (bit % 8))
  return out
}
const flipText = (value: string, field: string, bit: number): string => {
  const encoding = BASE64.has(field) ? 'base64' : field === 'ciphertextHash' ? 'hex' : 'utf8'
  const bytes = Buffer.from(value, encoding)
  return bytes.length === 0 ? value : flip(bytes, bit).toString(encoding)
}
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

// A bit flip, optionally with the hash recomputed, as an attacker who read docs/SPEC.md §1 would.
const bitFlip = fc
  .tuple(
    fieldPath.filter((p) => p[0] !== 'version'),
    fc.nat(),
    fc.boolean(),
  )
  .map(([path, bit, rehash]) =>
    onObject(`flip bit ${bit} of ${path.join('.')}${rehash ? ' and rehash' : ''}`, (obj) => {
      const value = getField(obj, path)
      if (typeof value !== 'string') return
      setField(obj, path, flipText(value, path.at(-1) ?? '', bit))
      if (rehash && typeof obj['ciphertext'] === 'string') obj['ciphertextHash'] = sha256(obj['ciphertext'])
    }),
  )

const GRAFTS = [
  ['signature'],
  ['ciphertext', 'ciphertextHash'],
  ['envelope'],
  ['expiresAt'],
  ['revision'],
  ['identity'],
  ['packedAt'],
]
const graft = fc.tuple(fc.nat(), fc.constantFrom(...GRAFTS)).map(([from, fields]) =>
  onObject(`graft ${fields.join('+')} from base #${from}`, (obj, bases) => {
    const donor = bases[from % bases.length]
    let source: Json
    try {
      source = JSON.parse(donor?.text ?? '') as Json
    } catch {
      return
    }
    for (const f of fields) setField(obj, [f], source[f])
  }),
)

const truncate = fc
  .oneof(
    fc.integer({ min: 0, max: 16 }).map((n) => ({ from: 'start', n })),
    fc.integer({ min: 1, max: 16 }).map((n) => ({ from: 'end', n })),
    fc.double({ min: 0, max: 1, noNaN: true }).map((n) => ({ from: 'fraction', n })),
  )
  .map(({ from, n }) =>
    mutation(`truncate ${from} ${n}`, (text) => {
      const at = from === 'start' ? n : from === 'end' ? text.length - n : Math.floor(text.length * n)
      return text.slice(0, Math.max(0, at))
    }),
  )

const noise = fc
  .tuple(
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.nat({ max: 8 }),
    fc.string({ unit: 'binary', maxLength: 4 }),
  )
  .map(([where, cut, insert]) =>
    mutation(`splice ${fc.stringify(insert)} over ${cut} chars at ${where.toFixed(3)}`, (text) => {
      const at = Math.floor(text.length * where)
      return text.slice(0, at) + insert + text.slice(at + cut)
    }),
  )

const anyMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: replaceField },
  { weight: 4, arbitrary: bitFlip },
  { weight: 2, arbitrary: graft },
  { weight: 2, arbitrary: truncate },
  { weight: 2, arbitrary: noise },
)

// ---- properties ------------------------------------------------------------------------------

describe('fuzz: parseArtifact + checkArtifact on mutated artifacts', () => {
  let bases: Base[] = []
  /** Signing payload + ciphertext of every genuine signed artifact: the only ones a key may accept. */
  const genuine = new Set<string>()
  const fingerprint = (a: PackedArtifact): string => `${buildSigningPayload(a)}\n${a.ciphertext}`

  beforeAll(async () => {
    bases = [...vectorBases(), ...(await packedBases())]
    for (const b of bases) {
      const outcome = run(b.text, b.verifyKey)
      if (outcome.ok && b.verifyKey !== undefined) genuine.add(fingerprint(outcome.artifact))
    }
    expect(genuine.size).toBe(7)
  })

  /** A base (by index), the mutations to apply in order, and whether an unsigned base gets a key. */
  const mutated = fc.record({
    base: fc.nat(),
    steps: fc.array(anyMutation, { minLength: 1, maxLength: 3 }),
    withKey: fc.boolean(),
  })

  /** The mutated text and the key to check it under (counterexamples print the recipe, not MBs). */
  const build = (c: {
    base: number
    steps: Mutation[]
    withKey: boolean
  }): { text: string; key: VerifyKey | undefined } => {
    const base = bases[c.base % bases.length] as Base
    const text = c.steps.reduce((t, m) => m.apply(t, bases), base.text)
    // Unsigned bases are also checked under a key: they must then never pass.
    return { text, key: base.verifyKey ?? (c.withKey ? parseVerifyKey(ED25519.spki) : undefined) }
  }

  /** Runs a case twice: in bounded time, with the same outcome, and a stable code and safe message. */
  const checkRobust = (c: { base: number; steps: Mutation[]; withKey: boolean }): void => {
    const { text, key } = build(c)
    const started = performance.now()
    const first = run(text, key)
    expect(performance.now() - started).toBeLessThan(CASE_LIMIT_MS)
    const again = run(text, key)
    if (first.ok || again.ok) {
      expect(again.ok).toBe(first.ok)
      return
    }
    expect(CHECK_CODES).toContain(first.code)
    expect(again.code).toBe(first.code)
    // Messages reach logs, /v1/health and telemetry: bounded, one line, no terminal escapes.
    expect(first.message.length).toBeLessThanOrEqual(300)
    expect(first.message).not.toMatch(/\p{Cc}/u)
  }

  it(
    'never crashes, never hangs, and refuses with a stable code and a short printable message',
    () => {
      fc.assert(fc.property(mutated, checkRobust), runs(1000))
    },
    TIMEOUT_MS,
  )

  it(
    'does the same with megabyte fields (64 KiB to 4 MiB)',
    () => {
      const withHugeField = fc.record({
        base: fc.nat(),
        steps: fc
          .tuple(hugeField, fc.array(anyMutation, { maxLength: 1 }))
          .map(([huge, more]) => [huge, ...more]),
        withKey: fc.boolean(),
      })
      fc.assert(fc.property(withHugeField, checkRobust), runs(40, 0.05))
    },
    TIMEOUT_MS,
  )

  it(
    'accepts only genuine signed content under a key, and only ciphertexts that match their hash',
    () => {
      fc.assert(
        fc.property(mutated, (c) => {
          const { text, key } = build(c)
          const outcome = run(text, key)
          if (!outcome.ok) return
          const a = outcome.artifact
          expect(createHash('sha256').update(a.ciphertext, 'utf8').digest('hex')).toBe(a.ciphertextHash)
          expect(a.expiresAt === undefined || Date.parse(a.expiresAt) > NOW).toBe(true)
          if (key !== undefined) expect(genuine.has(fingerprint(a))).toBe(true)
        }),
        runs(1000),
      )
    },
    TIMEOUT_MS,
  )

  it(
    'reports revoked for any JSON object carrying revokedAt, whatever else is wrong',
    () => {
      const marker = fc
        .oneof(fc.jsonValue(), fc.string({ unit: 'binary', maxLength: 80 }))
        .filter((v) => v !== null)
      const revoke = fc.tuple(marker, fc.nat(), fc.array(anyMutation, { maxLength: 2 }))
      fc.assert(
        fc.property(revoke, ([at, i, steps]) => {
          const base = bases[i % bases.length] as Base
          const text = steps.reduce((t, m) => m.apply(t, bases), base.text)
          let obj: unknown
          try {
            obj = JSON.parse(text)
          } catch {
            obj = {}
          }
          const withMarker = {
            ...(typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? obj : {}),
            revokedAt: at,
          }
          const outcome = run(JSON.stringify(withMarker), base.verifyKey)
          expect(outcome.ok ? 'accepted' : outcome.code).toBe('revoked')
          if (!outcome.ok) expect(outcome.message).not.toMatch(/\p{Cc}/u)
        }),
        runs(300),
      )
    },
    TIMEOUT_MS,
  )
})
