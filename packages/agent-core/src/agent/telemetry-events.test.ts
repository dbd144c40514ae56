import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import {
  createFakeClock,
  createPacker,
  type FakeClock,
  loadVectors,
  type OtlpReceiver,
  parsePrometheusText,
  refusingUrl,
  startOtlpReceiver,
  type TempDir,
  tempDir,
  vector,
  vectorText,
  writeArtifact,
} from '@clef-sh/testing'
import type { AgentConfig } from '../config/types.ts'
import { createAgent } from './create-agent.ts'
import { testConfig, tick, readerOf } from './test-support.ts'
import type { AgentDeps } from './types.ts'

const AGE_KEY = vector('age-basic').ageKey ?? ''
const write = (dir: TempDir, name: string): Promise<void> => writeArtifact(dir.path, vectorText(vector(name)))
const revisionOf = (name: string): string => {
  const e = vector(name).expect
  return e.ok ? e.revision : ''
}

/** Every secret of the vector set (values long enough to be meaningful, keys, DEKs), raw and JSON-escaped. */
const SECRETS: string[] = loadVectors().flatMap((v) => {
  const values = v.expect.ok ? Object.values(v.expect.values).flatMap((ns) => Object.values(ns)) : []
  const all = [...values, v.ageKey ?? '', v.kms?.dek ?? ''].filter((s) => s.length >= 5)
  return all.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])
})

const leaks = (rx: OtlpReceiver, extra: string[] = []): string[] =>
  rx.exports.flatMap((e) => [...SECRETS, ...extra].filter((s) => e.text.includes(s)))

interface SetupOptions {
  config?: Partial<AgentConfig>
  deps?: AgentDeps
  clock?: FakeClock
}

const setup = async (
  url: string,
  { config = {}, deps = {}, clock = createFakeClock() }: SetupOptions = {},
) => {
  const dir = await tempDir()
  const agent = createAgent(
    testConfig({
      source: { kind: 'file', path: dir.file('artifact.json') },
      ageKey: { kind: 'inline', value: AGE_KEY },
      telemetryUrl: new URL(url),
      agentId: 'agent-tel-1',
      ...config,
    }),
    { now: clock.now, timers: clock.timers, random: () => 0.5, ...deps },
  )
  return { dir, clock, agent }
}

describe('telemetry events from real scenarios', () => {
  it('sends every event kind as conforming OTLP logs, and no secret', async () => {
    await using rx = await startOtlpReceiver()
    const { dir, clock, agent } = await setup(rx.url)
    await using _dir = dir
    await write(dir, 'age-basic')
    await agent.start()
    await write(dir, 'ed25519-signed')
    await tick(agent, clock)
    await write(dir, 'ciphertext-tampered')
    await tick(agent, clock)
    await write(dir, 'truncated-json')
    await tick(agent, clock)
    await rm(dir.file('artifact.json'))
    await tick(agent, clock)
    clock.advance(300_001)
    await tick(agent, clock)
    await write(dir, 'expires-2099')
    await tick(agent, clock)
    await write(dir, 'revoked')
    await tick(agent, clock)
    await write(dir, 'expired')
    await tick(agent, clock)
    await agent.stop('test-end')

    expect(rx.exports.length).toBeGreaterThan(0)
    expect(rx.exports.flatMap((e) => e.problems)).toEqual([])
    expect(rx.exports.every((e) => e.path === '/v1/logs')).toBe(true)
    const records = rx.records()
    expect(records.map((r) => r.eventName)).toEqual([
      'clef.agent.started',
      'clef.artifact.refreshed',
      'clef.artifact.refreshed',
      'clef.artifact.invalid',
      'clef.artifact.invalid',
      'clef.fetch.failed',
      'clef.fetch.failed',
      'clef.cache.expired',
      'clef.artifact.refreshed',
      'clef.artifact.revoked',
      'clef.artifact.expired',
      'clef.agent.stopped',
    ])
    const attrs = records.map((r) => r.attributes)
    expect(attrs[0]).toMatchObject({
      'clef.mode': 'cached',
      'clef.source': expect.stringContaining('artifact.json'),
    })
    expect(attrs[1]).toMatchObject({ 'clef.revision': revisionOf('age-basic'), 'clef.initial': true })
    expect(attrs[2]).toMatchObject({ 'clef.revision': revisionOf('ed25519-signed'), 'clef.initial': false })
    expect([attrs[3]?.['clef.reason'], attrs[4]?.['clef.reason']]).toEqual(['integrity', 'json_parse'])
    expect(attrs[5]).toMatchObject({ 'clef.code': 'source_not_found', 'clef.transient': false })
    expect(attrs[7]).toMatchObject({ 'clef.code': 'cache_expired' })
    expect(attrs[9]).toMatchObject({ 'clef.code': 'revoked' })
    expect(attrs[10]).toMatchObject({ 'clef.code': 'expired' })
    expect(attrs[11]).toMatchObject({ 'clef.reason': 'test-end' })
    expect(records.map((r) => r.severityText).join()).toBe(
      'INFO,INFO,INFO,ERROR,ERROR,WARN,WARN,ERROR,INFO,WARN,ERROR,INFO',
    )
    expect(records.at(-1)?.resource).toMatchObject({
      'service.name': 'clef-agent',
      'service.version': '0.1.0',
      'service.instance.id': 'agent-tel-1',
      'clef.source.type': 'file',
      'clef.identity': expect.any(String),
      'clef.environment': expect.any(String),
    })
    expect(SECRETS.length).toBeGreaterThan(5000)
    expect(leaks(rx)).toEqual([])
  })

  it.each([
    ['cached', 300_000],
    ['jit', 0],
  ])(
    'authenticates with the packed CLEF_TELEMETRY_* secrets (%s mode), never sending them as data',
    async (_, ttlMs) => {
      await using rx = await startOtlpReceiver()
      const clock = createFakeClock()
      const packer = await createPacker(clock)
      const ageKey = { kind: 'inline', value: packer.identity } as const
      const { dir, agent } = await setup(rx.url, {
        config: { ttlMs, ageKey },
        deps: { telemetry: { flushIntervalMs: 5 } },
        clock,
      })
      await using _dir = dir
      await using _agent = agent
      const token = 'tel-token-9b1f'
      await writeArtifact(
        dir.path,
        await packer.pack({
          app: { DB_PASSWORD: 'pw-4c2e-secret' },
          otel: { CLEF_TELEMETRY_TOKEN: token, CLEF_TELEMETRY_HEADERS: 'x-scope-orgid=team%2Ca' },
        }),
      )
      await agent.start()
      await rx.waitFor((records) => records.some((r) => r.eventName === 'clef.artifact.refreshed'))
      const last = rx.exports.at(-1)
      expect(last?.headers['authorization']).toBe(`Bearer ${token}`)
      expect(last?.headers['x-scope-orgid']).toBe('team,a')
      await writeArtifact(dir.path, await packer.pack({ app: { DB_PASSWORD: 'pw-77aa-secret' } }))
      await tick(agent, clock)
      await rx.waitFor(
        (records) => records.filter((r) => r.eventName === 'clef.artifact.refreshed').length === 2,
      )
      expect(rx.exports.at(-1)?.headers['authorization']).toBeUndefined()
      expect(
        leaks(rx, [token, 'pw-4c2e-secret', 'pw-77aa-secret', 'team,a', 'team%2Ca', packer.identity]),
      ).toEqual([])
    },
  )
})

describe('a collector that is away never slows serving', () => {
  it.each(['blackhole', 'refused'] as const)(
    '%s: secrets stay synchronous, drops are counted, stop keeps its deadline',
    async (kind) => {
      await using rx = await startOtlpReceiver('blackhole')
      const url = kind === 'blackhole' ? rx.url : await refusingUrl()
      const telemetry = { flushIntervalMs: 5, requestTimeoutMs: 300, maxBuffer: 8, shutdownMs: 100 }
      const { dir, agent } = await setup(url, { deps: { telemetry } })
      await using _dir = dir
      await write(dir, 'age-basic')
      await agent.start()
      await write(dir, 'ciphertext-tampered')
      for (let i = 0; i < 40; i++) {
        await expect(readerOf(agent).refresh()).rejects.toMatchObject({ code: 'integrity' })
        const served = readerOf(agent).secrets()
        expect(served).not.toBeInstanceOf(Promise)
      }
      const t0 = performance.now()
      for (let i = 0; i < 20_000; i++) readerOf(agent).secrets()
      expect(performance.now() - t0).toBeLessThan(1000)
      const metrics = parsePrometheusText(readerOf(agent).metrics())
      expect(metrics.value('clef_agent_telemetry_dropped_total')).toBeGreaterThanOrEqual(
        40 - 2 * telemetry.maxBuffer,
      )
      expect(metrics.value('clef_agent_telemetry_sent_total')).toBe(0)
      if (kind === 'blackhole') expect(rx.connections).toBeLessThanOrEqual(2)
      const s0 = performance.now()
      await agent.stop()
      expect(performance.now() - s0).toBeLessThan(telemetry.shutdownMs + 300)
    },
  )
})
