// Cached mode on KMS envelopes: the DEK is unwrapped once per revision, so a KMS that starts to
// refuse (a revoked kms:Decrypt grant) takes nothing away until the TTL runs out without a
// successful refresh; then the secrets endpoints answer 503, and access returns with the grant.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isAgentError } from '@clef-sh/errors'
import {
  createFakeClock,
  createInProcessKms,
  newRevision,
  packArtifact,
  tempDir,
  writeArtifact,
} from '@clef-sh/testing'
import { createAgent } from './create-agent.ts'
import { testConfig, tick, readerOf } from './test-support.ts'

const V1 = { risk: { MODEL_KEY: 'mk-1' } }
const V2 = { risk: { MODEL_KEY: 'mk-2' } }
const TTL_MS = 60_000

const decoded = (body: Uint8Array): unknown => JSON.parse(Buffer.from(body).toString())

describe('cached mode on KMS', () => {
  it('keeps serving after KMS denies access until the TTL, then 503, and recovers', async () => {
    await using dir = await tempDir()
    const clock = createFakeClock()
    const dek = randomBytes(32)
    const mapping = {
      keyId: 'arn:aws:kms:us-east-1:000000000000:key/cached',
      wrappedKey: randomBytes(48).toString('base64'),
      dek: dek.toString('base64'),
    }
    const kms = createInProcessKms([mapping])
    const pack = (values: typeof V1, at: number): Promise<string> =>
      packArtifact({
        values,
        revision: newRevision(at),
        envelope: { dek, keyId: mapping.keyId, wrappedKey: mapping.wrappedKey },
      })
    await writeArtifact(dir.path, await pack(V1, clock.now()))
    const config = testConfig({ source: { kind: 'file', path: dir.file('artifact.json') }, ttlMs: TTL_MS })
    await using agent = createAgent(config, {
      now: clock.now,
      timers: clock.timers,
      random: () => 0.5,
      kms: kms.resolver,
    })
    await agent.start()
    const served = readerOf(agent).secrets()
    expect(served).not.toBeInstanceOf(Promise)
    expect(decoded((served as { allBody: Uint8Array }).allBody)).toEqual(V1)
    expect(kms.unwraps()).toBe(1)

    // The grant is revoked and a new revision appears: it cannot be opened, the old one stays.
    kms.refuse = true
    await writeArtifact(dir.path, await pack(V2, clock.now() + 1))
    const refused = await tick(agent, clock)
    expect(refused).toMatchObject({ ok: false, code: 'kms_unwrap' })
    expect(readerOf(agent).health().lastError?.code).toBe('kms_unwrap')
    expect(decoded((await readerOf(agent).secrets()).allBody)).toEqual(V1)

    // Past the TTL with no successful refresh: 503 (a permanent failure, no stale answer).
    clock.advance(TTL_MS + 1)
    let error: unknown
    try {
      await readerOf(agent).secrets()
    } catch (e) {
      error = e
    }
    expect(isAgentError(error)).toBe(true)
    expect((error as { code: string }).code).toBe('cache_expired')
    expect(readerOf(agent).ready()).toMatchObject({ ready: false })

    // The grant comes back: the next refresh unwraps the new revision.
    kms.refuse = false
    await readerOf(agent).refresh()
    expect(decoded((await readerOf(agent).secrets()).allBody)).toEqual(V2)
    expect(readerOf(agent).ready()).toEqual({ ready: true })
  })
})
