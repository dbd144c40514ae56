// Tampering: every change to a library-encrypted file (a bit flip in any region, a cut, appended
// bytes, chunks swapped, dropped or repeated) must fail on our path, as it does on the library's.
// A failing property prints its seed and path; replay it with fc.assert(…, { seed, path }).
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createAgeDecrypt } from './age-decrypt.ts'
import {
  agentOutcome,
  bytesOf,
  encryptTo,
  expectOurFailure,
  libraryOutcome,
  newX25519Identity,
} from './age-v1/test-age-file.ts'

const SEALED_CHUNK = 65536 + 16
const me = await newX25519Identity()
const decrypt = createAgeDecrypt(me.identity)

/** A library-encrypted file and the offsets of its MAC line and its payload. */
interface Base {
  file: Buffer
  macLine: number
  payload: number
}

const bases: Base[] = await Promise.all(
  [0, 1, 300, 65536 + 1, 2 * 65536].map(async (size, i) => {
    const file = Buffer.from(await encryptTo([me.recipient], bytesOf(i, size)))
    const macLine = file.indexOf('\n--- ') + 1
    return { file, macLine, payload: file.indexOf(0x0a, macLine) + 1 }
  }),
)

const chunksOf = ({ file, payload }: Base): Buffer[] => {
  const chunks: Buffer[] = []
  for (let at = payload + 16; at < file.length; at += SEALED_CHUNK)
    chunks.push(file.subarray(at, at + SEALED_CHUNK))
  return chunks
}

const withChunks = (base: Base, chunks: Buffer[]): Buffer =>
  Buffer.concat([base.file.subarray(0, base.payload + 16), ...chunks])

const flip = (base: Base, [from, to]: [number, number], { at, bit }: { at: number; bit: number }): Buffer => {
  const out = Buffer.from(base.file)
  const i = from + (at % (to - from))
  out[i] = (out[i] ?? 0) ^ (1 << bit)
  return out
}

const REGIONS = {
  header: (b: Base): [number, number] => [0, b.macLine],
  mac: (b: Base): [number, number] => [b.macLine, b.payload],
  nonce: (b: Base): [number, number] => [b.payload, b.payload + 16],
  payload: (b: Base): [number, number] => [b.payload + 16, b.file.length],
}

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    region: fc.constantFrom('header' as const, 'mac' as const, 'nonce' as const, 'payload' as const),
    at: fc.nat(),
    bit: fc.nat(7),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({
    kind: fc.constantFrom('swap' as const, 'drop' as const, 'repeat' as const),
    i: fc.nat(),
    j: fc.nat(),
  }),
)

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never

const apply = (base: Base, m: Mutation): Buffer => {
  switch (m.kind) {
    case 'flip':
      return flip(base, REGIONS[m.region](base), { at: m.at, bit: m.bit })
    case 'truncate':
      return base.file.subarray(0, m.at % base.file.length)
    case 'append':
      return Buffer.concat([base.file, m.bytes])
    case 'swap':
    case 'drop':
    case 'repeat': {
      const chunks = chunksOf(base)
      const i = m.i % chunks.length
      if (m.kind === 'drop') return withChunks(base, chunks.toSpliced(i, 1))
      if (m.kind === 'repeat') return withChunks(base, chunks.toSpliced(i, 0, chunks[i] ?? Buffer.alloc(0)))
      // Swapping needs two chunks; a one-chunk file gets a payload bit flip instead.
      if (chunks.length < 2) return flip(base, REGIONS.payload(base), { at: m.i, bit: m.j % 8 })
      const j = (i + 1 + (m.j % (chunks.length - 1))) % chunks.length
      const swapped = [...chunks]
      ;[swapped[i], swapped[j]] = [chunks[j] ?? Buffer.alloc(0), chunks[i] ?? Buffer.alloc(0)]
      return withChunks(base, swapped)
    }
  }
}

describe('tampered age files', () => {
  it('fail on our path, as on the library, never yielding plaintext', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(bases.length - 1), mutation, async (b, m) => {
        const base = bases[b] ?? expect.unreachable()
        const tampered = apply(base, m)
        expect(tampered.equals(base.file)).toBe(false)
        const library = await libraryOutcome(me.identity, tampered)
        expect(library).toBeInstanceOf(Error)
        expectOurFailure(await agentOutcome(decrypt, tampered))
      }),
      { numRuns: 200 },
    )
  })

  it('leave the untampered bases decrypting on our path', async () => {
    for (const [i, base] of bases.entries()) {
      const plain = await agentOutcome(decrypt, base.file)
      expect(Buffer.from(plain as Uint8Array).equals(bytesOf(i, [0, 1, 300, 65537, 131072][i] ?? -1))).toBe(
        true,
      )
    }
  })
})
