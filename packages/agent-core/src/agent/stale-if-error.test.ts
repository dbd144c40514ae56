// Stale-if-error and back-off against real origins with an injected clock: a transient outage past
// the TTL keeps serving for CLEF_AGENT_STALE_IF_ERROR, a permanent failure fails closed at once,
// and Retry-After / GitHub rate-limit resets pace every request to the source.
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseVerifyKey } from '@clef-sh/artifact-format'
import {
  createFakeClock,
  createPacker,
  type FakeClock,
  type HttpOrigin,
  type Packer,
  startFakeGitHub,
  startHttpOrigin,
} from '@clef-sh/testing'
import type { AgentConfig } from '../config/types.ts'
import { createAgent } from './create-agent.ts'
import { testConfig, tick, readerOf } from './test-support.ts'
import type { Agent } from './types.ts'

const V1 = { app: { TOKEN: 'value-one' } }
const V2 = { app: { TOKEN: 'value-two' } }
const TTL_MS = 300_000
const STALE_MS = 600_000

const signingPair = (): { privateKey: string; publicKey: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  }
}
const SIGNER = signingPair()

/** A cause that makes the origin answer `status` from now on. */
const failingWith =
  (status: number) =>
  (r: Rig): Promise<void> => {
    r.origin.failWith(status)
    return Promise.resolve()
  }

interface Rig {
  origin: HttpOrigin
  clock: FakeClock
  packer: Packer
  agent: Agent
  /** Epoch ms of the last successful refresh. */
  loadedAt: number
  [Symbol.asyncDispose](): Promise<void>
}

/** An agent serving V1 (signed) from a real HTTP origin, with a fake clock and jitter fixed at 0. */
const rig = async (config: Partial<AgentConfig> = {}): Promise<Rig> => {
  const origin = await startHttpOrigin()
  const clock = createFakeClock()
  const packer = await createPacker(clock)
  const agent = createAgent(
    testConfig({
      source: { kind: 'http', url: origin.url },
      ageKey: { kind: 'inline', value: packer.identity },
      ttlMs: TTL_MS,
      staleIfErrorMs: STALE_MS,
      verifyKey: parseVerifyKey(SIGNER.publicKey),
      ...config,
    }),
    { now: clock.now, timers: clock.timers, random: () => 0.5 },
  )
  origin.setBody(await packer.pack(V1, { signingKey: SIGNER.privateKey }))
  await agent.start()
  expect(await agent.getAll()).toEqual(V1)
  return {
    origin,
    clock,
    packer,
    agent,
    loadedAt: clock.now(),
    [Symbol.asyncDispose]: async () => {
      await agent.stop()
      await origin.close()
    },
  }
}

/** What a secrets request gets: the values or the error code. */
const request = async (agent: Agent): Promise<unknown> => {
  try {
    return await agent.getAll()
  } catch (e) {
    return { code: (e as { code: string }).code }
  }
}

/** Fires poll timers (each a failing fetch) until the clock reaches `until`, checking `each` after every poll. */
const pollUntil = async (r: Rig, until: number, each: () => Promise<void>): Promise<number> => {
  let polls = 0
  while ((r.clock.pending()[0]?.at ?? Number.POSITIVE_INFINITY) <= until) {
    await tick(r.agent, r.clock)
    polls += 1
    await each()
  }
  return polls
}

describe('CLEF_AGENT_STALE_IF_ERROR=600', () => {
  it('a 10-minute transient outage past the TTL keeps serving, then the grace ends', async () => {
    await using r = await rig()
    r.origin.failWith(503)
    const until = r.loadedAt + TTL_MS + STALE_MS - 1_000
    const polls = await pollUntil(r, until, async () => {
      expect(await request(r.agent)).toEqual(V1)
      expect(readerOf(r.agent).ready()).toEqual({ ready: true })
    })
    // 5, 10, 20 s back-off, then every 30 s: the source is asked all along the outage.
    expect(polls).toBeGreaterThan(25)
    r.clock.advance(until - r.clock.now())
    expect(await request(r.agent)).toEqual(V1)
    expect(readerOf(r.agent).health()).toMatchObject({
      status: 'ok',
      state: 'degraded',
      expired: true,
      lastError: { code: 'source_unreachable', hint: expect.stringMatching(/CLEF_AGENT_STALE_IF_ERROR/) },
    })
    r.clock.advance(2_000)
    expect(await request(r.agent)).toEqual({ code: 'cache_expired' })
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'cache_expired' })
    // The source comes back with the same artifact: a 304 renews freshness, nothing is decrypted again.
    r.origin.failWith(null)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: true, changed: false })
    expect(await request(r.agent)).toEqual(V1)
  })

  it('a 403 during that outage stops serving at once, with its code, until a fetch succeeds', async () => {
    await using r = await rig()
    r.origin.failWith(503)
    await pollUntil(r, r.loadedAt + TTL_MS + 300_000, async () => {
      expect(await request(r.agent)).toEqual(V1)
    })
    r.origin.failWith(403)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'source_auth' })
    expect(await request(r.agent)).toEqual({ code: 'source_auth' })
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'source_auth' })
    expect(readerOf(r.agent).health()).toMatchObject({
      status: 'ok',
      state: 'unavailable',
      lastError: { code: 'source_auth', hint: expect.stringMatching(/permissions/) },
    })
    // The outage going on (transient again) does not reopen the grace: the token may be revoked.
    r.origin.failWith(503)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'source_unreachable' })
    expect(await request(r.agent)).toEqual({ code: 'source_auth' })
    r.origin.failWith(null)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: true })
    expect(await request(r.agent)).toEqual(V1)
    expect(readerOf(r.agent).health().lastError).toBeNull()
  })

  type Permanent = [string, string, (r: Rig) => Promise<void>]
  const permanent: Permanent[] = [
    ['401', 'source_auth', failingWith(401)],
    ['404', 'source_not_found', failingWith(404)],
    [
      'a tampered artifact',
      'integrity',
      async (r) => {
        const good = JSON.parse(await r.packer.pack(V2, { signingKey: SIGNER.privateKey })) as object
        r.origin.setBody(JSON.stringify({ ...good, ciphertextHash: '0'.repeat(64) }))
      },
    ],
    [
      'a bad signature',
      'signature_invalid',
      async (r) => {
        r.origin.setBody(await r.packer.pack(V2, { signingKey: signingPair().privateKey }))
      },
    ],
    [
      'a revocation',
      'revoked',
      async (r) => {
        r.origin.setBody(await r.packer.pack(V1, { extra: { revokedAt: new Date().toISOString() } }))
      },
    ],
  ]
  it.each(permanent)(
    '%s met by a request past the TTL fails closed at once: %s',
    async (_name, code, cause) => {
      await using r = await rig()
      r.origin.failWith(503)
      r.clock.advance(TTL_MS + 60_000)
      expect(await request(r.agent)).toEqual(V1)
      r.origin.failWith(null)
      await cause(r)
      r.clock.advance(5_000)
      // The request itself triggers the refresh that meets the failure, and gets its code.
      expect(await request(r.agent)).toEqual({ code })
      expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: code })
      expect(readerOf(r.agent).health().lastError?.code).toBe(code)
    },
  )
})

describe('before the TTL runs out', () => {
  type Failure = [string, string, (r: Rig) => Promise<void>]
  const failures: Failure[] = [
    ['401', 'source_auth', failingWith(401)],
    ['403', 'source_auth', failingWith(403)],
    ['404', 'source_not_found', failingWith(404)],
    ['429', 'source_rate_limited', failingWith(429)],
    ['500', 'source_unreachable', failingWith(500)],
    ['the origin down', 'source_unreachable', (r) => r.origin.stop()],
    [
      'a bad signature',
      'signature_invalid',
      async (r) => {
        r.origin.setBody(await r.packer.pack(V2, { signingKey: signingPair().privateKey }))
      },
    ],
  ]
  it.each(failures)('%s keeps serving the current secrets (%s)', async (_name, code, cause) => {
    await using r = await rig({ staleIfErrorMs: 0 })
    await cause(r)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code })
    expect(readerOf(r.agent).secrets()).not.toBeInstanceOf(Promise)
    expect(await request(r.agent)).toEqual(V1)
    expect(readerOf(r.agent).health()).toMatchObject({ status: 'ok', state: 'degraded', lastError: { code } })
  })

  it('a revocation still wipes at once', async () => {
    await using r = await rig({ staleIfErrorMs: 0 })
    r.origin.setBody(await r.packer.pack(V1, { extra: { revokedAt: new Date().toISOString() } }))
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'revoked' })
    expect(await request(r.agent)).toEqual({ code: 'revoked' })
  })
})

describe('back-off honours what the source asks for', () => {
  it('Retry-After paces the poll loop and the requests past the TTL', async () => {
    await using r = await rig()
    r.origin.failWith(429, { 'retry-after': '600' })
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'source_rate_limited' })
    const failedAt = r.clock.now()
    expect(r.clock.pending().map((t) => t.ms)).toEqual([600_000])
    // Past the TTL, requests are served within the grace and do not ask the source before 600 s…
    const asked = r.origin.stats.requests
    r.clock.advance(r.loadedAt + TTL_MS + 100_000 - failedAt)
    expect(await request(r.agent)).toEqual(V1)
    expect(r.origin.stats.requests).toBe(asked)
    // …and do once it has passed.
    r.clock.advance(failedAt + 600_000 - r.clock.now())
    expect(await request(r.agent)).toEqual(V1)
    expect(r.origin.stats.requests).toBe(asked + 1)
  })

  it('a GitHub rate-limit reset delays the next poll until the reset, and is transient', async () => {
    const token = 'ghp_testTokenValue'
    await using github = await startFakeGitHub({ token })
    const clock = createFakeClock()
    const packer = await createPacker(clock)
    github.setArtifact(await packer.pack(V1))
    const config = testConfig({
      source: {
        kind: 'github',
        repo: 'acme/clef-secrets',
        identity: 'api',
        environment: 'production',
        token,
        apiUrl: github.url,
      },
      ageKey: { kind: 'inline', value: packer.identity },
      staleIfErrorMs: STALE_MS,
    })
    await using agent = createAgent(config, { now: clock.now, timers: clock.timers, random: () => 0.5 })
    await agent.start()
    expect(await tick(agent, clock)).toMatchObject({ ok: true, changed: false })
    const reset = Math.floor(Date.now() / 1000) + 900
    github.failWith(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) })
    expect(await tick(agent, clock)).toMatchObject({ ok: false, code: 'source_rate_limited' })
    const [next] = clock.pending()
    expect(next?.ms).toBeGreaterThan(reset * 1000 - Date.now() - 2_000)
    expect(next?.ms).toBeLessThanOrEqual(reset * 1000 - Date.now() + 1_000)
    // Transient: past the TTL, stale-if-error keeps serving, without asking GitHub again.
    const asked = github.stats.requests
    clock.advance(TTL_MS + 10_000)
    expect(await request(agent)).toEqual(V1)
    expect(github.stats.requests).toBe(asked)
    expect(readerOf(agent).health().lastError).toMatchObject({
      code: 'source_rate_limited',
      hint: expect.stringMatching(/rate limit/),
    })
  })
})
