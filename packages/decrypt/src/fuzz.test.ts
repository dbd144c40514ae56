// Fuzzes the decrypt step behind checks 1–6: ciphertexts and envelopes mutated with the hash
// recomputed (an unsigned artifact passes the checks, so only decryption stands in the way),
// hostile age headers, and arbitrary plaintexts genuinely encrypted. createDecryptor must return
// genuine values or refuse with decrypt / kms_unwrap and a short printable message, quickly.
// `CLEF_FUZZ_RUNS=n` runs longer; a failure prints its seed (fixed unless `CLEF_FUZZ_SEED` is set).
import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkArtifact, parseArtifact, type PackedArtifact } from '@clef-sh/artifact-format'
import { isAgentError } from '@clef-sh/errors'
import {
  createAgeKey,
  createInProcessKms,
  packArtifact,
  vector,
  VECTORS_DIR,
  vectorText,
} from '@clef-sh/testing'
import { Encrypter } from 'age-encryption'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { createDecryptor, type Decryptor } from './index.ts'

const LONG_RUNS = Number(process.env['CLEF_FUZZ_RUNS'] ?? 0)
const SEED = Number(process.env['CLEF_FUZZ_SEED'] ?? 0x5eed)
const runs = (short: number): fc.Parameters<unknown> => ({ numRuns: LONG_RUNS || short, seed: SEED })
const TIMEOUT_MS = LONG_RUNS > 0 ? 3_600_000 : 60_000
const CASE_LIMIT_MS = 2000
const NOW = Date.parse('2027-06-01T00:00:00Z')
const DECRYPT_CODES = new Set(['decrypt', 'kms_unwrap', 'kms_unsupported_provider'])

interface Base {
  name: string
  object: Record<string, unknown>
  decryptor: Decryptor
  values: unknown
}

type Outcome = { ok: true; values: unknown } | { ok: false; code: string; message: string }

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/** Checks 1–6 (they must pass: only ciphertext and envelope changed, the hash was recomputed), then decrypt. */
const decryptText = async (text: string, decryptor: Decryptor): Promise<Outcome | 'refused by checks'> => {
  let artifact: PackedArtifact
  try {
    artifact = parseArtifact(text)
    checkArtifact(artifact, { now: NOW })
  } catch {
    return 'refused by checks'
  }
  try {
    return { ok: true, values: await decryptor.decrypt(artifact) }
  } catch (e) {
    if (!isAgentError(e)) throw new Error(`not an AgentError: ${String(e)}`, { cause: e })
    return { ok: false, code: e.code, message: e.message }
  }
}

const expectSafeRefusal = (
  outcome: { code: string; message: string },
  plaintext?: string,
  label?: string,
): void => {
  expect(DECRYPT_CODES).toContain(outcome.code)
  expect(outcome.message.length, label).toBeLessThanOrEqual(300)
  expect(outcome.message, label).not.toMatch(/\p{Cc}/u)
  if (plaintext !== undefined && plaintext.length >= 6) expect(outcome.message).not.toContain(plaintext)
}

/** An artifact object around `ciphertext`, with its hash. */
const wrap = (base: Record<string, unknown>, ciphertext: string, envelope?: unknown): string =>
  JSON.stringify({
    ...base,
    ciphertext,
    ciphertextHash: sha256(ciphertext),
    ...(envelope === undefined ? {} : { envelope }),
  })

// ---- ciphertext and envelope mutations ----------------------------------------------------------

interface Mutation {
  apply(base: Base, bases: readonly Base[]): string
  [fc.toStringMethod](): string
}
const mutation = (label: string, apply: Mutation['apply']): Mutation => ({
  apply,
  [fc.toStringMethod]: () => label,
})

const bytesOf = (b: Base): Buffer => Buffer.from(String(b.object['ciphertext']), 'base64')
const withBytes = (b: Base, bytes: Uint8Array): string =>
  wrap(b.object, Buffer.from(bytes).toString('base64'))

const flipBits = fc
  .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([bits, inHeader]) =>
    mutation(`flip bits ${bits.join(',')} in the ${inHeader ? 'first 200 bytes' : 'whole file'}`, (b) => {
      const bytes = bytesOf(b)
      const span = inHeader ? Math.min(200, bytes.length) : bytes.length
      for (const bit of bits) {
        const i = Math.floor(bit / 8) % span
        bytes[i] = (bytes[i] ?? 0) ^ (1 << (bit % 8))
      }
      return withBytes(b, bytes)
    }),
  )

const cut = fc
  .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ maxLength: 64 }))
  .map(([at, tail]) =>
    mutation(`cut at ${at.toFixed(3)} and append ${tail.length} bytes`, (b) => {
      const bytes = bytesOf(b)
      return withBytes(b, Buffer.concat([bytes.subarray(0, Math.floor(bytes.length * at)), tail]))
    }),
  )

const base64Text = fc
  .string({ unit: fc.constantFrom(...'AZaz09+/=-_ \n.!'.split('')), maxLength: 40 })
  .map((junk) =>
    mutation(`splice ${JSON.stringify(junk)} into the base64 text`, (b) => {
      const text = String(b.object['ciphertext'])
      const at = (junk.length * 7919) % (text.length + 1)
      return wrap(b.object, text.slice(0, at) + junk + text.slice(at))
    }),
  )

const ENVELOPE_FIELDS = ['provider', 'keyId', 'wrappedKey', 'algorithm', 'iv', 'authTag']
const envelopeField = fc
  .tuple(
    fc.constantFrom(...ENVELOPE_FIELDS),
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.nat().map(String),
      fc.constantFrom(
        'AAAA',
        'AAAAAAAAAAAAAAAA',
        randomBytes(12).toString('base64'),
        randomBytes(16).toString('base64'),
        'gcp',
        'aws',
      ),
    ),
  )
  .map(([field, value]) =>
    mutation(`set envelope.${field} = ${JSON.stringify(value)}`, (b) => {
      const envelope = b.object['envelope']
      if (typeof envelope !== 'object' || envelope === null) return JSON.stringify(b.object)
      return wrap(b.object, String(b.object['ciphertext']), { ...envelope, [field]: value })
    }),
  )

const graft = fc.nat().map((i) =>
  mutation(`graft the envelope and ciphertext of base #${i}`, (b, bases) => {
    const donor = bases[i % bases.length] ?? b
    return wrap(b.object, String(donor.object['ciphertext']), donor.object['envelope'] ?? null)
  }),
)

const anyMutation = fc.oneof(flipBits, cut, base64Text, envelopeField, graft)

// ---- hostile age headers ------------------------------------------------------------------------

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64').replace(/=+$/, '')
const stanza = (args: readonly string[], body: Uint8Array): string => {
  const text = b64(body)
  const lines = [`-> ${args.join(' ')}`]
  for (let i = 0; i <= text.length; i += 64) lines.push(text.slice(i, i + 64))
  return `${lines.join('\n')}\n`
}
const x25519Junk = (): string => stanza(['X25519', b64(randomBytes(32))], randomBytes(32))
const mac = `--- ${b64(randomBytes(32))}\n`

const HEADERS: Record<string, () => string> = {
  'huge version line': () => `age-encryption.org/v1${'x'.repeat(200_000)}\n${x25519Junk()}${mac}`,
  'escape codes in the version line': () => `age\u001b[2J\u0007\n${x25519Junk()}${mac}`,
  'no version line': () => `${x25519Junk()}${mac}`,
  '5000 junk X25519 stanzas': () =>
    `age-encryption.org/v1\n${Array.from({ length: 5000 }, x25519Junk).join('')}${mac}`,
  '100 junk ML-KEM stanzas': () =>
    `age-encryption.org/v1\n${Array.from({ length: 100 }, () => stanza(['mlkem768x25519', b64(randomBytes(1120))], randomBytes(32))).join('')}${mac}`,
  'scrypt with a huge work factor': () =>
    `age-encryption.org/v1\n${stanza(['scrypt', b64(randomBytes(16)), '60'], randomBytes(32))}${mac}`,
  'unknown stanza with a huge argument': () =>
    `age-encryption.org/v1\n${stanza(['x'.repeat(100_000)], randomBytes(32))}${mac}`,
  'stanza body of 1 MiB': () =>
    `age-encryption.org/v1\n${stanza(['X25519', b64(randomBytes(32))], randomBytes(1 << 20))}${mac}`,
  'header without end': () => `age-encryption.org/v1\n${x25519Junk().repeat(3)}`,
  'bad base64 in the MAC': () => `age-encryption.org/v1\n${x25519Junk()}--- !!!!\u0001\n`,
  'empty file': () => '',
}

// ---- properties ---------------------------------------------------------------------------------

describe('fuzz: createDecryptor behind the checks', () => {
  let bases: Base[] = []
  let genuine: Set<string>
  let x25519: { identity: string; recipient: string }
  const pq = vector('age-pq-hybrid')
  const mapping = (
    JSON.parse(readFileSync(join(VECTORS_DIR, 'keys', 'kms-mappings.json'), 'utf8')) as {
      keyId: string
      wrappedKey: string
      dek: string
    }[]
  )[0]

  beforeAll(async () => {
    x25519 = await createAgeKey()
    const ageDecryptor = createDecryptor({ ageIdentity: x25519.identity, kms: createInProcessKms().resolver })
    const values = { app: { DB_URL: 'postgres://fuzz', API_KEY: 'k-fuzz' }, web: { 'a/b': 'välue ✓' } }
    const packed = JSON.parse(await packArtifact({ values, recipient: x25519.recipient })) as Record<
      string,
      unknown
    >
    const fromVector = (name: string, ageKey: string | null): Base => {
      const v = vector(name)
      if (!v.expect.ok) throw new Error(`${name} is not a valid vector`)
      const decryptor = createDecryptor({
        ...(ageKey === null ? {} : { ageIdentity: ageKey }),
        kms: createInProcessKms().resolver,
      })
      return {
        name,
        object: JSON.parse(vectorText(v)) as Record<string, unknown>,
        decryptor,
        values: v.expect.values,
      }
    }
    bases = [
      { name: 'packed X25519', object: packed, decryptor: ageDecryptor, values },
      fromVector('age-basic', vector('age-basic').ageKey),
      fromVector('age-pq-hybrid', pq.ageKey),
      fromVector('kms-aws-envelope', null),
    ]
    genuine = new Set(bases.map((b) => JSON.stringify(b.values)))
  })

  it(
    'decrypts mutated ciphertexts and envelopes to genuine values or refuses them safely',
    async () => {
      const cases = fc.record({ base: fc.nat(), step: anyMutation })
      await fc.assert(
        fc.asyncProperty(cases, async ({ base, step }) => {
          const b = bases[base % bases.length] as Base
          const started = performance.now()
          const outcome = await decryptText(step.apply(b, bases), b.decryptor)
          expect(performance.now() - started).toBeLessThan(CASE_LIMIT_MS)
          if (outcome === 'refused by checks') return
          if (outcome.ok) expect(genuine).toContain(JSON.stringify(outcome.values))
          else expectSafeRefusal(outcome)
        }),
        runs(400),
      )
    },
    TIMEOUT_MS,
  )

  it.each(Object.keys(HEADERS))(
    'refuses an age file with %s, quickly and safely, for every identity',
    async (name) => {
      const file = Buffer.concat([Buffer.from(HEADERS[name]?.() ?? '', 'latin1'), randomBytes(64)])
      for (const b of bases.slice(0, 3)) {
        const started = performance.now()
        const outcome = await decryptText(withBytes(b, file), b.decryptor)
        expect(performance.now() - started).toBeLessThan(CASE_LIMIT_MS)
        if (outcome === 'refused by checks' || outcome.ok)
          throw new Error(`${b.name}: ${JSON.stringify(outcome)}`)
        expectSafeRefusal(outcome, undefined, b.name)
      }
    },
  )

  /** Stands for 200,000 nested arrays, expanded when encrypting so counterexamples stay printable. */
  const DEEP = '<200k nested arrays>'
  const expand = (p: Uint8Array): Uint8Array =>
    Buffer.from(p).toString() === DEEP ? Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`) : p

  /** Arbitrary payload text: JSON of every shape, near-misses of `{ns:{key:string}}`, raw bytes. */
  const payload: fc.Arbitrary<Uint8Array> = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v))),
    fc
      .dictionary(
        fc.string(),
        fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 }))),
      )
      .map((v) => Buffer.from(JSON.stringify(v))),
    fc
      .constantFrom(
        '{"__proto__":{"polluted":"yes"}}',
        '{"constructor":{"prototype":"x"}}',
        '{"a":{"b":"c"}}trailing',
        '\uFEFF{"a":{"b":"c"}}',
        '{"a":{"b":"c"},"a":{"b":1}}',
        DEEP,
        '{"a":{"b":"\\ud800"}}',
      )
      .map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 200 }),
  )

  const encryptAge = async (plaintext: Uint8Array): Promise<string> => {
    const e = new Encrypter()
    e.addRecipient(x25519.recipient)
    return Buffer.from(await e.encrypt(plaintext)).toString('base64')
  }
  const encryptEnvelope = (plaintext: Uint8Array): { ciphertext: string; envelope: unknown } => {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(mapping?.dek ?? '', 'base64'), iv)
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64')
    const envelope = {
      provider: 'aws',
      keyId: mapping?.keyId,
      wrappedKey: mapping?.wrappedKey,
      algorithm: 'SYMMETRIC_DEFAULT',
      iv: iv.toString('base64'),
      authTag: cipher.getAuthTag().toString('base64'),
    }
    return { ciphertext, envelope }
  }

  it(
    'serves a genuinely encrypted payload only when it is exactly {ns:{key:string}}',
    async () => {
      const isRecord = (v: unknown): v is Record<string, unknown> =>
        typeof v === 'object' && v !== null && !Array.isArray(v)
      const isSecretValues = (v: unknown): boolean =>
        isRecord(v) &&
        Object.values(v).every((ns) => isRecord(ns) && Object.values(ns).every((x) => typeof x === 'string'))
      const parsed = (bytes: Uint8Array): unknown => {
        try {
          return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
        } catch {
          return undefined
        }
      }
      await fc.assert(
        fc.asyncProperty(payload, fc.boolean(), async (recipe, envelopeMode) => {
          const plaintext = expand(recipe)
          const b = envelopeMode ? (bases[3] as Base) : (bases[0] as Base)
          const sealed = envelopeMode
            ? encryptEnvelope(plaintext)
            : { ciphertext: await encryptAge(plaintext), envelope: undefined }
          const outcome = await decryptText(wrap(b.object, sealed.ciphertext, sealed.envelope), b.decryptor)
          // An empty payload under AES-GCM is an empty ciphertext, which docs/SPEC.md §1 refuses as a shape error.
          if (outcome === 'refused by checks') {
            expect(sealed.ciphertext).toBe('')
            return
          }
          const expected = parsed(plaintext)
          if (outcome.ok) {
            expect(isSecretValues(outcome.values)).toBe(true)
            // toEqual plus the serialization (order included): toStrictEqual trips on an own `constructor` key.
            expect(outcome.values).toEqual(expected)
            expect(JSON.stringify(outcome.values)).toBe(JSON.stringify(expected))
            expect(Object.getPrototypeOf({})).not.toHaveProperty('polluted')
          } else {
            expect(outcome.code).toBe('decrypt')
            expect(isSecretValues(expected)).toBe(false)
            expectSafeRefusal(outcome, Buffer.from(plaintext).toString('utf8'))
          }
        }),
        runs(300),
      )
    },
    TIMEOUT_MS,
  )
})
