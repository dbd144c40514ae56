import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  createAgeKey,
  createFakeClock,
  createInProcessKms,
  createPacker,
  newRevision,
  packArtifact,
  tempDir,
  writeArtifact,
} from '@clef-sh/testing'
import { createAgent } from './create-agent.ts'
import { testConfig, tick, readerOf } from './test-support.ts'

const VALUES = { risk: { MODEL_KEY: 'mk-123', THRESHOLD: '0.87' } }

const envelopeRig = async () => {
  const dir = await tempDir()
  const clock = createFakeClock()
  const dek = randomBytes(32)
  const mapping = {
    keyId: 'arn:aws:kms:us-east-1:000000000000:key/test',
    wrappedKey: randomBytes(48).toString('base64'),
    dek: dek.toString('base64'),
  }
  const kms = createInProcessKms([mapping])
  const pack = (values: typeof VALUES) =>
    packArtifact({
      values,
      revision: newRevision(clock.now()),
      envelope: { dek, keyId: mapping.keyId, wrappedKey: mapping.wrappedKey },
    })
  await writeArtifact(dir.path, await pack(VALUES))
  const config = testConfig({ source: { kind: 'file', path: dir.file('artifact.json') }, ttlMs: 0 })
  const agent = createAgent(config, {
    now: clock.now,
    timers: clock.timers,
    random: () => 0.5,
    kms: kms.resolver,
  })
  return { dir, clock, kms, agent, pack }
}

describe('JIT mode', () => {
  it('decrypts on every request and keeps nothing in between', async () => {
    const { dir, kms, agent } = await envelopeRig()
    await using _dir = dir
    await using _agent = agent
    await agent.start()
    expect(readerOf(agent).health()).toMatchObject({ mode: 'jit', status: 'ok', state: 'ok' })
    const atStart = kms.unwraps()
    expect(atStart).toBe(1)
    const first = readerOf(agent).secrets()
    expect(first).toBeInstanceOf(Promise)
    const served = await first
    expect(JSON.parse(Buffer.from(served.allBody).toString())).toEqual(VALUES)
    expect(kms.unwraps()).toBe(2)
    await readerOf(agent).secrets()
    expect(kms.unwraps()).toBe(3)
    expect(await agent.get('risk__MODEL_KEY')).toBe('mk-123')
    expect(kms.unwraps()).toBe(4)
  })

  it('concurrent requests during one decrypt share it', async () => {
    const { dir, kms, agent } = await envelopeRig()
    await using _dir = dir
    await using _agent = agent
    await agent.start()
    const before = kms.unwraps()
    const all = await Promise.all([
      readerOf(agent).secrets(),
      readerOf(agent).secrets(),
      agent.getAll(),
      agent.keys(),
    ])
    expect(kms.unwraps()).toBe(before + 1)
    expect(all[0]).toBe(all[1])
    expect(all[3]).toEqual(['risk__MODEL_KEY', 'risk__THRESHOLD'])
  })

  it('the KMS is the live gate: a refused unwrap fails the request and shows in health', async () => {
    const { dir, kms, agent } = await envelopeRig()
    await using _dir = dir
    await using _agent = agent
    await agent.start()
    kms.refuse = true
    await expect(Promise.resolve().then(() => readerOf(agent).secrets())).rejects.toMatchObject({
      code: 'kms_unwrap',
    })
    expect(readerOf(agent).health()).toMatchObject({
      status: 'ok',
      state: 'degraded',
      lastError: { code: 'kms_unwrap' },
    })
    kms.refuse = false
    await expect(readerOf(agent).secrets()).resolves.toMatchObject({ revision: agent.revision })
  })

  it('never goes cache_expired: the TTL does not apply', async () => {
    const { dir, clock, agent } = await envelopeRig()
    await using _dir = dir
    await using _agent = agent
    await agent.start()
    clock.advance(24 * 3600 * 1000)
    expect(readerOf(agent).ready()).toEqual({ ready: true })
    expect(readerOf(agent).health().expired).toBe(false)
  })

  it('picks up a new revision and refuses an artifact the key cannot open', async () => {
    const { dir, clock, agent, pack } = await envelopeRig()
    await using _dir = dir
    await using _agent = agent
    await agent.start()
    clock.advance(1_000)
    await writeArtifact(dir.path, await pack({ risk: { MODEL_KEY: 'mk-456', THRESHOLD: '0.9' } }))
    expect(await tick(agent, clock)).toMatchObject({ ok: true, changed: true })
    expect(await agent.get('MODEL_KEY')).toBe('mk-456')
    clock.advance(1_000)
    const stranger = await createAgeKey()
    await writeArtifact(
      dir.path,
      await packArtifact({
        values: VALUES,
        recipient: stranger.recipient,
        revision: newRevision(clock.now()),
      }),
    )
    expect(await tick(agent, clock)).toMatchObject({ ok: false, code: 'decrypt' })
    expect(await agent.get('MODEL_KEY')).toBe('mk-456')
  })

  it('an age artifact with a matching key is served; revocation wipes the JIT store', async () => {
    await using dir = await tempDir()
    const clock = createFakeClock()
    const packer = await createPacker(clock)
    await writeArtifact(dir.path, await packer.pack(VALUES))
    const config = testConfig({
      source: { kind: 'file', path: dir.file('artifact.json') },
      ageKey: { kind: 'inline', value: packer.identity },
      ttlMs: 0,
    })
    await using agent = createAgent(config, { now: clock.now, timers: clock.timers })
    await agent.start()
    expect(await agent.getAll()).toEqual(VALUES)
    await writeArtifact(
      dir.path,
      JSON.stringify({ version: 1, revokedAt: new Date(clock.now()).toISOString() }),
    )
    expect(await tick(agent, clock)).toMatchObject({ ok: false, code: 'revoked' })
    await expect(agent.getAll()).rejects.toMatchObject({ code: 'revoked' })
    expect(readerOf(agent).ready()).toEqual({ ready: false, reason: 'revoked' })
  })
})

describe('JIT mode: serving the decrypted bytes', () => {
  const ageRig = async (payload?: string) => {
    const dir = await tempDir()
    const key = await createAgeKey()
    await writeArtifact(dir.path, await packArtifact({ values: VALUES, recipient: key.recipient, payload }))
    const config = testConfig({
      source: { kind: 'file', path: dir.file('artifact.json') },
      ageKey: { kind: 'inline', value: key.identity },
      ttlMs: 0,
    })
    const agent = createAgent(config)
    await agent.start()
    return { dir, agent }
  }
  const body = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8')

  it('serves a canonical plaintext as is, and still answers keys and single secrets from it', async () => {
    const { dir, agent } = await ageRig()
    await using _dir = dir
    await using _agent = agent
    for (let i = 0; i < 3; i++) {
      const served = await readerOf(agent).secrets()
      expect(body(served.allBody)).toBe(JSON.stringify(VALUES))
      expect(JSON.parse(body(served.keysBody))).toEqual(['risk__MODEL_KEY', 'risk__THRESHOLD'])
      const found = served.lookup('THRESHOLD')
      expect(found.found && JSON.parse(body(found.body))).toEqual({ key: 'THRESHOLD', value: '0.87' })
      expect(await agent.getAll()).toEqual(VALUES)
    }
  })

  it('zeroes the served plaintext once the requests that shared it are done, not before', async () => {
    const { dir, agent } = await ageRig()
    await using _dir = dir
    await using _agent = agent
    const zeroed = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0)
    await readerOf(agent).secrets() // the first request of a revision checks the form
    // Nobody holds it: gone after this turn of the event loop.
    const unheld = await readerOf(agent).secrets()
    const unheldBytes = unheld.allBody
    expect(body(unheldBytes)).toBe(JSON.stringify(VALUES))
    await new Promise(setImmediate)
    expect(zeroed(unheldBytes)).toBe(true)
    expect(() => unheld.allBody).toThrow(expect.objectContaining({ code: 'internal' }))
    // Held by a response being written: intact until it gives it back.
    const held = await readerOf(agent).secrets()
    const giveBack = held.hold?.()
    const heldBytes = held.allBody
    await new Promise((r) => setTimeout(r, 20))
    expect(body(heldBytes)).toBe(JSON.stringify(VALUES))
    giveBack?.()
    expect(zeroed(heldBytes)).toBe(true)
  })

  it('re-serializes a plaintext in another form (pretty, escaped) on every request', async () => {
    const pretty = JSON.stringify(VALUES, null, 2).replace('mk-123', 'mk-\\u0031\\u00323')
    const { dir, agent } = await ageRig(pretty)
    await using _dir = dir
    await using _agent = agent
    for (let i = 0; i < 3; i++) {
      const served = await readerOf(agent).secrets()
      // The API's own serialization, not the payload's bytes.
      expect(body(served.allBody)).toBe(JSON.stringify(VALUES))
      expect(await agent.get('risk__MODEL_KEY')).toBe('mk-123')
    }
  })

  it('refuses, at accept, a plaintext that is not secrets, so no request ever serves it', async () => {
    const { dir, agent } = await ageRig(JSON.stringify({ risk: { N: 1 } }))
    await using _dir = dir
    await using _agent = agent
    expect(readerOf(agent).ready()).toEqual({ ready: false, reason: 'decrypt' })
    await expect(agent.getAll()).rejects.toMatchObject({ code: 'decrypt' })
  })
})
