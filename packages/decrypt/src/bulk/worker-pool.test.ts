import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { parseArtifact } from '@clef-sh/artifact-format'
import { createAgeKey, createInProcessKms, packArtifact, vector } from '@clef-sh/testing'
import { createDecryptor } from '../create-decryptor.ts'
import { artifactOf, failure } from '../test-helpers.ts'
import { createBulkPool, type BulkPool } from './worker-pool.ts'

const pools: BulkPool[] = []
const newPool = (size?: number): BulkPool => {
  const pool = size === undefined ? createBulkPool() : createBulkPool({ size })
  pools.push(pool)
  return pool
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()))
})

/** A JSON payload of about `bytes` bytes across a few namespaces. */
const bigValues = (bytes: number): Record<string, Record<string, string>> => {
  const ns: Record<string, string> = {}
  for (let i = 0; i * 1024 < bytes; i++) ns[`KEY_${String(i)}`] = randomBytes(512).toString('hex')
  return { app: ns }
}

describe('createBulkPool behind createDecryptor', () => {
  it('opens age and KMS-envelope vectors to the same bytes as this thread does', async () => {
    const pool = newPool(2)
    for (const name of ['age-basic', 'large-5000-keys', 'kms-aws-envelope']) {
      const v = vector(name)
      const opts = { ageIdentity: v.ageKey ?? undefined, kms: createInProcessKms().resolver }
      const artifact = artifactOf(name)
      const inThread = await createDecryptor(opts).plaintext(artifact)
      const pooled = createDecryptor({ ...opts, bulk: pool })
      expect(Buffer.from(await pooled.plaintext(artifact))).toEqual(Buffer.from(inThread))
      expect(await pooled.decrypt(artifact)).toEqual(v.expect.ok ? v.expect.values : undefined)
    }
  })

  it('refuses tampered payloads with the messages of this thread', async () => {
    const pool = newPool(1)
    for (const name of ['ciphertext-tampered', 'kms-corrupted-authtag']) {
      const v = vector(name)
      const opts = { ageIdentity: v.ageKey ?? undefined, kms: createInProcessKms().resolver }
      const artifact = artifactOf(name)
      const here = await failure(createDecryptor(opts).plaintext(artifact))
      const there = await failure(createDecryptor({ ...opts, bulk: pool }).plaintext(artifact))
      expect(there.code).toBe('decrypt')
      expect(there.message).toBe(here.message)
    }
  })

  it('keeps the event loop turning while a large payload opens', async () => {
    const key = await createAgeKey()
    const artifact = parseArtifact(
      await packArtifact({ values: bigValues(24 * 1024 * 1024), recipient: key.recipient }),
    )
    const ticksDuring = async (decrypt: () => Promise<unknown>): Promise<number> => {
      let ticks = 0
      const timer = setInterval(() => ticks++, 1)
      await decrypt()
      clearInterval(timer)
      return ticks
    }
    const inThread = createDecryptor({ ageIdentity: key.identity })
    const pooled = createDecryptor({ ageIdentity: key.identity, bulk: newPool(1) })
    await pooled.plaintext(artifact) // starts the worker and decodes the shared ciphertext once
    // On this thread the payload opens in one synchronous run: no timer can fire meanwhile.
    expect(await ticksDuring(() => inThread.plaintext(artifact))).toBe(0)
    expect(await ticksDuring(() => pooled.plaintext(artifact))).toBeGreaterThan(2)
  })

  it('hands every caller its own plaintext, which it may zero', async () => {
    const v = vector('age-basic')
    const decryptor = createDecryptor({ ageIdentity: v.ageKey ?? undefined, bulk: newPool(2) })
    const artifact = artifactOf('age-basic')
    const [a, b] = await Promise.all([decryptor.plaintext(artifact), decryptor.plaintext(artifact)])
    a.fill(0)
    expect(JSON.parse(Buffer.from(b).toString('utf8'))).toEqual(v.expect.ok ? v.expect.values : {})
  })

  it('decrypts into released plaintext memory, zeroed, instead of allocating per request', async () => {
    const pool = newPool(1)
    const v = vector('large-5000-keys')
    const decryptor = createDecryptor({ ageIdentity: v.ageKey ?? undefined, bulk: pool })
    const artifact = artifactOf('large-5000-keys')
    const kept = await decryptor.plaintext(artifact)
    const released = await decryptor.plaintext(artifact)
    const text = Buffer.from(released).toString('utf8')
    pool.release(released)
    expect(released.every((b) => b === 0)).toBe(true)
    const next = await decryptor.plaintext(artifact)
    // The released memory moved to the worker and back: the old view is detached, the new one
    // holds the same plaintext; the buffer still held was not touched.
    expect(released.byteLength).toBe(0)
    expect(Buffer.from(next).toString('utf8')).toBe(text)
    expect(Buffer.from(kept).toString('utf8')).toBe(text)
  })

  it('frees the memory each opening allocated in the worker as it goes', async () => {
    // node:crypto hands the worker a fresh buffer per 64 KiB chunk; left to V8, which rarely
    // collects in a thread that allocates so little else, they piled up to tens of MB.
    const pool = newPool(1)
    const v = vector('large-5000-keys')
    const decryptor = createDecryptor({ ageIdentity: v.ageKey ?? undefined, bulk: pool })
    const artifact = artifactOf('large-5000-keys')
    const open = async (times: number): Promise<void> => {
      for (let i = 0; i < times; i++) pool.release(await decryptor.plaintext(artifact))
    }
    await open(20)
    const before = process.memoryUsage.rss()
    await open(300) // about 120 MB of plaintext
    expect((process.memoryUsage.rss() - before) / 2 ** 20).toBeLessThan(16)
  })

  it('rejects pending and later jobs once closed, as a stopping agent', async () => {
    const v = vector('large-5000-keys')
    const pool = createBulkPool({ size: 1 })
    const decryptor = createDecryptor({ ageIdentity: v.ageKey ?? undefined, bulk: pool })
    const artifact = artifactOf('large-5000-keys')
    await decryptor.plaintext(artifact)
    const pending = failure(decryptor.plaintext(artifact))
    await pool.close()
    expect((await pending).code).toBe('decrypt')
    expect((await failure(decryptor.plaintext(artifact))).code).toBe('not_loaded')
  })
})

describe('createBulkPool when idle', () => {
  it('ends its workers once no decrypt ran for idleMs, and starts one again for the next', async () => {
    const v = vector('large-5000-keys')
    const pool = createBulkPool({ size: 1, idleMs: 50 })
    pools.push(pool)
    const decryptor = createDecryptor({ ageIdentity: v.ageKey ?? undefined, bulk: pool })
    const artifact = artifactOf('large-5000-keys')
    const first = Buffer.from(await decryptor.plaintext(artifact)).toString('utf8')
    expect(pool.threads).toBe(1)
    await new Promise((r) => setTimeout(r, 300))
    expect(pool.threads).toBe(0)
    expect(Buffer.from(await decryptor.plaintext(artifact)).toString('utf8')).toBe(first)
    expect(pool.threads).toBe(1)
  })
})
