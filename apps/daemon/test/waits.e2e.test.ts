// How long a secrets request waits, through the real daemon: one that arrives while the first load
// runs waits for it and gets its secrets (SPEC §7), and one that finds the TTL run out while the
// source hangs answers `503 cache_expired` within a second (SPEC §6), never the fetch timeout.
import { describe, expect, it } from 'vitest'
import { createAgeKey, packArtifact, startHttpOrigin } from '@clef-sh/testing'
import { startDaemon, waitLoaded } from './harness.ts'

const VALUES = { app: { DB: 'postgres://first-load', TOKEN: 't-1' } }

const timed = async <T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> => {
  const at = performance.now()
  const value = await work()
  return { ms: performance.now() - at, value }
}

const packed = async () => {
  const key = await createAgeKey()
  return { identity: key.identity, body: await packArtifact({ recipient: key.recipient, values: VALUES }) }
}

describe('secrets requests', () => {
  it('made as soon as the port accepts, wait for the first load (origin 1.5 s) and get the secrets', async () => {
    const { identity, body } = await packed()
    await using origin = await startHttpOrigin({ body })
    origin.delayMs = 1500
    await using d = await startDaemon({ CLEF_AGENT_SOURCE: origin.url, CLEF_AGENT_AGE_KEY: identity })
    const [health, ready, metrics, all, one, keys] = await Promise.all([
      timed(() => d.get('/v1/health', { auth: false })),
      timed(() => d.get('/v1/ready', { auth: false })),
      timed(() => d.get('/v1/metrics', { auth: false })),
      timed(() => d.get('/v1/secrets')),
      timed(() => d.get('/v1/secrets/app__DB')),
      timed(() => d.get('/v1/keys')),
    ])
    // The probes never wait: they saw the load still running.
    for (const probe of [health, ready, metrics]) expect(probe.ms).toBeLessThan(1000)
    expect(ready.value.json).toEqual({ ready: false, reason: 'not_loaded' })
    expect(all.value.status).toBe(200)
    expect(all.value.json).toEqual(VALUES)
    expect(one.value.json).toEqual({ key: 'app__DB', value: 'postgres://first-load' })
    expect(keys.value.json).toEqual(['app__DB', 'app__TOKEN'])
    expect(all.ms).toBeGreaterThan(500)
  })

  it(
    'after the TTL, with the source accepting and never answering, get 503 cache_expired within 1 s',
    { timeout: 90_000 },
    async () => {
      const { identity, body } = await packed()
      await using origin = await startHttpOrigin({ body })
      await using d = await startDaemon({
        CLEF_AGENT_SOURCE: origin.url,
        CLEF_AGENT_AGE_KEY: identity,
        CLEF_AGENT_CACHE_TTL: '30',
      })
      await waitLoaded(d)
      expect((await d.get('/v1/secrets')).status).toBe(200)
      // Every fetch from now on hangs until the agent's fetch timeout (10 s) gives up.
      origin.delayMs = 600_000
      await d.waitFor(async () => (await d.get('/v1/ready', { auth: false })).status === 503, 40_000)
      // 12 s of requests covers a fetch the requests start and one the loop has in flight.
      const until = performance.now() + 12_000
      const latencies: number[] = []
      while (performance.now() < until) {
        const { ms, value } = await timed(() => d.get('/v1/secrets'))
        expect(value.status).toBe(503)
        expect(value.json).toMatchObject({ code: 'cache_expired' })
        latencies.push(ms)
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(origin.stats.requests).toBeGreaterThan(1)
      expect(Math.max(...latencies)).toBeLessThan(1500)
      expect(latencies.some((ms) => ms >= 900)).toBe(true)
    },
  )
})
