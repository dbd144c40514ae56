import { describe, expect, it } from 'vitest'
import {
  createFakeClock,
  createPacker,
  type FakeClock,
  startHttpOrigin,
  tempDir,
  vector,
  vectorPath,
  writeArtifact,
} from '@clef-sh/testing'
import type { AgentConfig } from '../config/types.ts'
import { createAgent } from './create-agent.ts'
import { MAX_TIMER_MS } from './schedule.ts'
import { nextEvent, testConfig, tick, readerOf } from './test-support.ts'

const VALUES = { app: { K: 'v' } }
const pendingMs = (clock: FakeClock): number[] => clock.pending().map((t) => t.ms)

const agentFor = (config: AgentConfig, clock: FakeClock, random = () => 0.5) =>
  createAgent(config, { now: clock.now, timers: clock.timers, random })

describe('refresh schedule', () => {
  it.each([
    [0.5, 30_000],
    [0, 27_000],
    [0.999999, 33_000],
  ])('TTL 300 s polls every 30 s ± 10%% (random %s → %s ms)', async (random, expected) => {
    await using dir = await tempDir()
    const clock = createFakeClock()
    const packer = await createPacker(clock)
    await writeArtifact(dir.path, await packer.pack(VALUES))
    const config = testConfig({
      source: { kind: 'file', path: dir.file('artifact.json') },
      ageKey: { kind: 'inline', value: packer.identity },
    })
    await using agent = agentFor(config, clock, () => random)
    await agent.start()
    expect(pendingMs(clock)).toEqual([expected])
    expect(await tick(agent, clock)).toMatchObject({ ok: true, changed: false })
    expect(pendingMs(clock)).toEqual([expected])
  })

  it('JIT mode polls every 30 s', async () => {
    await using dir = await tempDir()
    const clock = createFakeClock()
    const packer = await createPacker(clock)
    await writeArtifact(dir.path, await packer.pack(VALUES))
    const config = testConfig({
      source: { kind: 'file', path: dir.file('artifact.json') },
      ageKey: { kind: 'inline', value: packer.identity },
      ttlMs: 0,
    })
    await using agent = agentFor(config, clock)
    await agent.start()
    expect(pendingMs(clock)).toEqual([30_000])
  })

  it.each([
    [300_000, 30_000],
    [31_536_000_000, MAX_TIMER_MS],
  ])(
    'expires-2099 with TTL %s ms schedules %s ms: never above 2^31−1, never below 5 s',
    async (ttlMs, expected) => {
      const v = vector('expires-2099')
      const clock = createFakeClock()
      const config = testConfig({
        source: { kind: 'file', path: vectorPath(v) },
        ageKey: { kind: 'inline', value: v.ageKey ?? '' },
        ttlMs,
      })
      await using agent = agentFor(config, clock)
      await agent.start()
      expect(agent.ready).toBe(true)
      expect(pendingMs(clock)).toEqual([expected])
      for (const ms of pendingMs(clock)) {
        expect(ms).toBeLessThanOrEqual(2 ** 31 - 1)
        expect(ms).toBeGreaterThanOrEqual(5_000)
      }
    },
  )

  it('backs off 5 s, 10 s, 20 s, then caps at the interval, and resets after a success', async () => {
    await using dir = await tempDir()
    const clock = createFakeClock()
    const packer = await createPacker(clock)
    const config = testConfig({
      source: { kind: 'file', path: dir.file('artifact.json') },
      ageKey: { kind: 'inline', value: packer.identity },
    })
    await using agent = agentFor(config, clock)
    await agent.start()
    const seen = [...pendingMs(clock)]
    for (let i = 0; i < 4; i++) {
      expect(await tick(agent, clock)).toMatchObject({ ok: false, code: 'source_not_found' })
      seen.push(...pendingMs(clock))
    }
    expect(seen).toEqual([5_000, 10_000, 20_000, 30_000, 30_000])
    await writeArtifact(dir.path, await packer.pack(VALUES))
    expect(await tick(agent, clock)).toMatchObject({ ok: true })
    expect(pendingMs(clock)).toEqual([30_000])
    await writeArtifact(dir.path, 'garbage')
    expect(await tick(agent, clock)).toMatchObject({ ok: false, code: 'json_parse' })
    expect(pendingMs(clock)).toEqual([5_000])
  })

  it.each([
    [503, 'source_unreachable'],
    [429, 'source_rate_limited'],
  ])('honours Retry-After on %s', async (status, code) => {
    await using origin = await startHttpOrigin()
    const clock = createFakeClock()
    const packer = await createPacker(clock)
    origin.setBody(await packer.pack(VALUES))
    origin.failWith(status, { 'retry-after': '120' })
    const config = testConfig({
      source: { kind: 'http', url: origin.url },
      ageKey: { kind: 'inline', value: packer.identity },
    })
    await using agent = agentFor(config, clock)
    const first = nextEvent(agent)
    await agent.start()
    expect(await first).toMatchObject({ ok: false, code })
    expect(pendingMs(clock)).toEqual([120_000])
    origin.failWith(null)
    expect(await tick(agent, clock)).toMatchObject({ ok: true, changed: true })
  })
})

describe('refresh coalescing and stop', () => {
  it('concurrent refreshes share one fetch', async () => {
    await using origin = await startHttpOrigin()
    const clock = createFakeClock()
    const packer = await createPacker(clock)
    origin.setBody(await packer.pack(VALUES))
    const config = testConfig({
      source: { kind: 'http', url: origin.url },
      ageKey: { kind: 'inline', value: packer.identity },
    })
    await using agent = agentFor(config, clock)
    await agent.start()
    origin.reset()
    origin.delayMs = 30
    const results = await Promise.all([
      readerOf(agent).refresh(),
      readerOf(agent).refresh(),
      readerOf(agent).refresh(),
    ])
    expect(origin.stats.requests).toBe(1)
    expect(new Set(results.map((r) => r.revision)).size).toBe(1)
  })

  it('stop() aborts the fetch in flight, clears every timer and drops the secrets', async () => {
    await using origin = await startHttpOrigin()
    const clock = createFakeClock()
    const packer = await createPacker(clock)
    origin.setBody(await packer.pack(VALUES))
    const config = testConfig({
      source: { kind: 'http', url: origin.url },
      ageKey: { kind: 'inline', value: packer.identity },
    })
    const agent = agentFor(config, clock)
    await agent.start()
    expect(pendingMs(clock)).toHaveLength(1)
    origin.delayMs = 10_000
    const inFlight = readerOf(agent).refresh()
    const started = performance.now()
    await agent.stop('test')
    expect(performance.now() - started).toBeLessThan(2_000)
    await expect(inFlight).rejects.toMatchObject({ code: 'source_unreachable' })
    expect(clock.pending()).toEqual([])
    expect(agent.ready).toBe(false)
    expect(agent.revision).toBeNull()
    expect(() => readerOf(agent).secrets()).toThrow(expect.objectContaining({ code: 'not_loaded' }))
    await expect(readerOf(agent).refresh()).rejects.toMatchObject({ code: 'not_loaded' })
    await expect(agent.start()).rejects.toMatchObject({ code: 'not_loaded' })
    expect(clock.pending()).toEqual([])
  })
})
