import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import {
  createFakeClock,
  createLogRecorder,
  createPacker,
  type FakeClock,
  newRevision,
  type Packer,
  startHttpOrigin,
  type TempDir,
  tempDir,
  writeArtifact,
} from '@clef-sh/testing'
import type { AgentConfig } from '../config/types.ts'
import { createAgent } from './create-agent.ts'
import { testConfig, tick, readerOf } from './test-support.ts'
import type { Agent } from './types.ts'

const V1 = { app: { TOKEN: 'value-one' } }
const V2 = { app: { TOKEN: 'value-two' } }

const revisionOf = (text: string): string => (JSON.parse(text) as { revision: string }).revision

interface Rig {
  dir: TempDir
  clock: FakeClock
  packer: Packer
  agent: Agent
  logger: ReturnType<typeof createLogRecorder>
  [Symbol.asyncDispose](): Promise<void>
}

interface RigOptions {
  config?: Partial<AgentConfig>
  /** Default: the file `artifact.json` in the rig's temp dir. */
  source?: AgentConfig['source']
  /** Default true: a disk cache at `cache/artifact.json`. */
  diskCache?: boolean
}

const rig = async (opts: RigOptions = {}): Promise<Rig> => {
  const dir = await tempDir()
  const clock = createFakeClock()
  const packer = await createPacker(clock)
  const logger = createLogRecorder()
  const config = testConfig({
    source: opts.source ?? { kind: 'file', path: dir.file('artifact.json') },
    ageKey: { kind: 'inline', value: packer.identity },
    ...(opts.diskCache === false ? {} : { cachePath: dir.file('cache/artifact.json') }),
    ...opts.config,
  })
  const agent = createAgent(config, { now: clock.now, timers: clock.timers, random: () => 0.5, logger })
  return {
    dir,
    clock,
    packer,
    agent,
    logger,
    [Symbol.asyncDispose]: async () => {
      await agent.stop()
      await dir[Symbol.asyncDispose]()
    },
  }
}

/** Starts `r` serving V1 and returns the artifact text. */
const startWithV1 = async (r: Rig): Promise<string> => {
  const text = await r.packer.pack(V1)
  await writeArtifact(r.dir.path, text)
  await r.agent.start()
  expect(await r.agent.getAll()).toEqual(V1)
  return text
}

/** Publishes a revocation marker (docs/SPEC.md §1) at the rig's source, dated now. */
const writeRevocation = (r: Rig): Promise<void> =>
  writeArtifact(
    r.dir.path,
    `${JSON.stringify({ version: 1, identity: 'api', environment: 'production', revokedAt: new Date(r.clock.now()).toISOString() })}\n`,
  )

describe('refresh scenarios', () => {
  it('picks up a new revision by polling and writes it to the disk cache', async () => {
    await using r = await rig()
    await startWithV1(r)
    r.clock.advance(1_000)
    const next = await r.packer.pack(V2)
    await writeArtifact(r.dir.path, next)
    expect(await tick(r.agent, r.clock)).toEqual({ ok: true, revision: revisionOf(next), changed: true })
    expect(await r.agent.getAll()).toEqual(V2)
    expect(await readFile(r.dir.file('cache/artifact.json'), 'utf8')).toBe(next)
  })

  it('an unchanged source renews freshness without decrypting again', async () => {
    await using r = await rig()
    const text = await startWithV1(r)
    expect(await tick(r.agent, r.clock)).toEqual({ ok: true, revision: revisionOf(text), changed: false })
    expect(readerOf(r.agent).metrics()).toContain('clef_agent_source_fetch_total{outcome="unchanged"} 1')
  })

  it('good → tampered (integrity) keeps serving the old values', async () => {
    await using r = await rig()
    await startWithV1(r)
    r.clock.advance(1_000)
    const good = JSON.parse(await r.packer.pack(V2)) as Record<string, string>
    const c = good['ciphertext'] ?? ''
    const tampered = { ...good, ciphertext: `${c.slice(0, 40)}${c[40] === 'A' ? 'B' : 'A'}${c.slice(41)}` }
    await writeArtifact(r.dir.path, JSON.stringify(tampered, null, 2))
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'integrity' })
    expect(await r.agent.getAll()).toEqual(V1)
    expect(readerOf(r.agent).ready()).toEqual({ ready: true })
    expect(readerOf(r.agent).health()).toMatchObject({
      status: 'ok',
      state: 'degraded',
      lastError: { code: 'integrity' },
    })
  })

  it('tampered bytes under the already-served revision are reported, not taken as unchanged', async () => {
    await using r = await rig()
    const text = await startWithV1(r)
    const artifact = JSON.parse(text) as Record<string, string>
    await writeArtifact(r.dir.path, JSON.stringify({ ...artifact, ciphertextHash: '0'.repeat(64) }, null, 2))
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'integrity' })
    expect(await r.agent.getAll()).toEqual(V1)
  })

  it('good → revoked wipes memory and disk cache', async () => {
    await using r = await rig()
    await startWithV1(r)
    expect(existsSync(r.dir.file('cache/artifact.json'))).toBe(true)
    await writeRevocation(r)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'revoked' })
    expect(r.agent.revision).toBeNull()
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'revoked' })
    expect(() => readerOf(r.agent).secrets()).toThrow(expect.objectContaining({ code: 'revoked' }))
    await expect(r.agent.getAll()).rejects.toMatchObject({ code: 'revoked' })
    expect(existsSync(r.dir.file('cache/artifact.json'))).toBe(false)
    expect(r.logger.lines.some((l) => l.level === 'error' && l.msg === 'secrets wiped')).toBe(true)
  })

  it('a fetched expired artifact wipes', async () => {
    await using r = await rig()
    await startWithV1(r)
    const expired = await r.packer.pack(V2, {
      revision: newRevision(r.clock.now() + 1),
      expiresAt: new Date(r.clock.now() - 1_000).toISOString(),
    })
    await writeArtifact(r.dir.path, expired)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'expired' })
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'expired' })
    expect(existsSync(r.dir.file('cache/artifact.json'))).toBe(false)
  })

  it('stops serving once expiresAt passes, without any fetch', async () => {
    await using r = await rig()
    const text = await r.packer.pack(V1, { expiresAt: new Date(r.clock.now() + 20_000).toISOString() })
    await writeArtifact(r.dir.path, text)
    await r.agent.start()
    expect(r.clock.pending().map((t) => t.ms)).toEqual([16_000])
    r.clock.advance(19_999)
    expect(r.agent.ready).toBe(true)
    r.clock.advance(1)
    expect(() => readerOf(r.agent).secrets()).toThrow(expect.objectContaining({ code: 'expired' }))
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'expired' })
    expect(readerOf(r.agent).health()).toMatchObject({ expired: true, revision: null })
    await expect.poll(() => existsSync(r.dir.file('cache/artifact.json'))).toBe(false)
  })

  it('refuses a rollback to an older revision', async () => {
    await using r = await rig()
    await startWithV1(r)
    const older = await r.packer.pack(V2, { revision: newRevision(r.clock.now() - 60_000) })
    await writeArtifact(r.dir.path, older)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'rollback' })
    expect(await r.agent.getAll()).toEqual(V1)
  })

  it('accepts an older revision when rollback is allowed', async () => {
    await using r = await rig({ config: { allowRollback: true } })
    await startWithV1(r)
    const older = await r.packer.pack(V2, { revision: newRevision(r.clock.now() - 60_000) })
    await writeArtifact(r.dir.path, older)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: true, changed: true })
    expect(await r.agent.getAll()).toEqual(V2)
  })

  it('an older revision of another environment is not a rollback', async () => {
    await using r = await rig()
    await startWithV1(r)
    const other = await r.packer.pack(V2, {
      environment: 'staging',
      revision: newRevision(r.clock.now() - 60_000),
    })
    await writeArtifact(r.dir.path, other)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: true, changed: true })
  })

  it('recovers once a good artifact appears after a rejected one', async () => {
    await using r = await rig()
    await writeFile(r.dir.file('artifact.json'), 'not json')
    await r.agent.start()
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'json_parse' })
    await writeArtifact(r.dir.path, await r.packer.pack(V1))
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: true, changed: true })
    expect(readerOf(r.agent).ready()).toEqual({ ready: true })
    expect(readerOf(r.agent).health().lastError).toBeNull()
  })
})

describe('TTL and the disk cache', () => {
  it('TTL passes with the source down → cache_expired → source back with the same artifact → served again', async () => {
    await using origin = await startHttpOrigin()
    await using r = await rig({ source: { kind: 'http', url: origin.url }, diskCache: false })
    const text = await r.packer.pack(V1)
    origin.setBody(text)
    await r.agent.start()
    expect(r.agent.ready).toBe(true)
    await origin.stop()
    r.clock.advance(300_001)
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'cache_expired' })
    await expect(Promise.resolve().then(() => readerOf(r.agent).secrets())).rejects.toMatchObject({
      code: 'cache_expired',
    })
    expect(readerOf(r.agent).health()).toMatchObject({
      status: 'ok',
      state: 'unavailable',
      expired: true,
      lastError: { code: 'source_unreachable' },
    })
    // The failed on-demand refresh is not repeated for every request while the source is down.
    const attempts = readerOf(r.agent)
      .metrics()
      .match(/outcome="error"} (\d+)/)?.[1]
    await expect(Promise.resolve().then(() => readerOf(r.agent).secrets())).rejects.toMatchObject({
      code: 'cache_expired',
    })
    expect(readerOf(r.agent).metrics()).toContain(
      `clef_agent_source_fetch_total{outcome="error"} ${attempts}`,
    )
    await origin.restart()
    expect(await tick(r.agent, r.clock)).toEqual({ ok: true, revision: revisionOf(text), changed: false })
    expect(origin.stats.notModified).toBe(1)
    expect(readerOf(r.agent).ready()).toEqual({ ready: true })
    expect(await r.agent.getAll()).toEqual(V1)
  })

  it('reports cache_expired to listeners once per expiry, noticed by the loop without requests', async () => {
    await using r = await rig()
    await startWithV1(r)
    const codes: string[] = []
    r.agent.onRefresh((e) => codes.push(e.ok ? 'ok' : e.code))
    await rm(r.dir.file('artifact.json'))
    r.clock.advance(300_001)
    await tick(r.agent, r.clock)
    expect(codes).toEqual(['source_not_found', 'cache_expired'])
    readerOf(r.agent).ready()
    readerOf(r.agent).health()
    await expect(r.agent.getAll()).rejects.toMatchObject({ code: 'cache_expired' })
    expect(codes.filter((c) => c === 'cache_expired')).toHaveLength(1)
    await writeArtifact(r.dir.path, await r.packer.pack(V2))
    await tick(r.agent, r.clock)
    await rm(r.dir.file('artifact.json'))
    r.clock.advance(300_001)
    await tick(r.agent, r.clock)
    expect(codes.filter((c) => c === 'cache_expired')).toHaveLength(2)
  })

  it('after the TTL a request triggers one refresh and is served when it succeeds', async () => {
    await using r = await rig()
    await startWithV1(r)
    r.clock.advance(300_001)
    const served = readerOf(r.agent).secrets()
    expect(served).toBeInstanceOf(Promise)
    await expect(served).resolves.toMatchObject({ revision: r.agent.revision })
    expect(readerOf(r.agent).secrets()).not.toBeInstanceOf(Promise)
  })

  it('stale-if-error serves past the TTL during a transient failure only', async () => {
    await using origin = await startHttpOrigin()
    await using r = await rig({
      source: { kind: 'http', url: origin.url },
      config: { staleIfErrorMs: 60_000 },
    })
    origin.setBody(await r.packer.pack(V1))
    await r.agent.start()
    origin.failWith(503)
    r.clock.advance(300_001)
    await expect(Promise.resolve(readerOf(r.agent).secrets())).resolves.toMatchObject({
      revision: r.agent.revision,
    })
    expect(readerOf(r.agent).ready()).toEqual({ ready: true })
    expect(readerOf(r.agent).health()).toMatchObject({ status: 'ok', state: 'degraded', expired: true })
    // A permanent failure ends the grace at once, and a later transient one does not reopen it.
    origin.failWith(403)
    await expect(readerOf(r.agent).refresh()).rejects.toMatchObject({ code: 'source_auth' })
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'source_auth' })
    origin.failWith(503)
    await expect(readerOf(r.agent).refresh()).rejects.toMatchObject({ code: 'source_unreachable' })
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'source_auth' })
    origin.failWith(null)
    await readerOf(r.agent).refresh()
    expect(readerOf(r.agent).ready()).toEqual({ ready: true })
    origin.failWith(503)
    r.clock.advance(360_001)
    await expect(Promise.resolve().then(() => readerOf(r.agent).secrets())).rejects.toMatchObject({
      code: 'cache_expired',
    })
  })

  it('serves the disk cache at start when the source is down, fully re-validated', async () => {
    await using r = await rig()
    const text = await startWithV1(r)
    await r.agent.stop()
    await rm(r.dir.file('artifact.json'))
    const logger = createLogRecorder()
    const config = testConfig({
      source: { kind: 'file', path: r.dir.file('artifact.json') },
      ageKey: { kind: 'inline', value: r.packer.identity },
      cachePath: r.dir.file('cache/artifact.json'),
    })
    await using second = createAgent(config, { now: r.clock.now, timers: r.clock.timers, logger })
    await second.start()
    expect(await second.getAll()).toEqual(V1)
    expect(second.revision).toBe(revisionOf(text))
    expect(readerOf(second).health()).toMatchObject({
      status: 'ok',
      state: 'degraded',
      lastError: { code: 'source_not_found' },
    })
    const loaded = logger.lines.find((l) => l.msg === 'artifact loaded')
    expect(loaded?.fields['source']).toContain('disk cache')
  })

  it('a tampered disk cache is not served', async () => {
    await using r = await rig()
    const text = await r.packer.pack(V1)
    const artifact = JSON.parse(text) as Record<string, string>
    await mkdir(r.dir.file('cache'))
    await writeArtifact(
      r.dir.path,
      JSON.stringify({ ...artifact, ciphertextHash: 'f'.repeat(64) }),
      'cache/artifact.json',
    )
    await r.agent.start()
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'source_not_found' })
    expect(r.logger.lines.find((l) => l.msg === 'disk cache rejected')?.fields).toMatchObject({
      code: 'integrity',
    })
  })
})

describe('agent events', () => {
  type Heard = [string, unknown]
  const listen = (agent: Agent, heard: Heard[]): (() => void)[] => [
    agent.on('refresh', (e) => heard.push(['refresh', e])),
    agent.on('error', (e) => heard.push(['error', e])),
    agent.on('revoked', (e) => heard.push(['revoked', e])),
  ]

  it('tells refresh, error and revoked apart, in order, with live revision and ready', async () => {
    await using r = await rig()
    const heard: Heard[] = []
    listen(r.agent, heard)
    // A throwing listener is logged and skipped; the others still hear every event.
    r.agent.on('refresh', () => {
      throw new Error('listener bug')
    })
    const text = await startWithV1(r)
    const first = revisionOf(text)
    expect(r.agent.revision).toBe(first)
    expect(r.agent.ready).toBe(true)
    await tick(r.agent, r.clock)

    const tampered = { ...(JSON.parse(text) as Record<string, string>), ciphertextHash: '0'.repeat(64) }
    await writeArtifact(r.dir.path, JSON.stringify(tampered, null, 2))
    await tick(r.agent, r.clock)
    expect(r.agent.ready).toBe(true)

    await writeRevocation(r)
    await tick(r.agent, r.clock)
    expect(r.agent.revision).toBeNull()
    expect(r.agent.ready).toBe(false)
    // Polling the same revocation again withdraws nothing more: only the error repeats.
    await tick(r.agent, r.clock)

    expect(
      heard.map(([name, e]) => [
        name,
        (e as { code?: string; reason?: string }).code ?? (e as { reason?: string }).reason ?? '',
      ]),
    ).toEqual([
      ['refresh', ''],
      ['refresh', ''],
      ['error', 'integrity'],
      ['revoked', 'revoked'],
      ['error', 'revoked'],
      ['error', 'revoked'],
    ])
    expect(heard[0]?.[1]).toEqual({ revision: first, changed: true })
    expect(heard[1]?.[1]).toEqual({ revision: first, changed: false })
    expect(heard[3]?.[1]).toMatchObject({ reason: 'revoked', revision: first })
    expect(r.logger.lines.filter((l) => l.msg === 'agent event listener failed')).toHaveLength(2)
    expect(r.logger.lines.find((l) => l.msg === 'agent event listener failed')?.fields).toEqual({
      event: 'refresh',
      error: 'Error',
    })
  })

  it('fires revoked with reason expired when expiresAt passes while served, and unsubscribes', async () => {
    await using r = await rig()
    const heard: Heard[] = []
    const [offRefresh] = listen(r.agent, heard)
    const text = await r.packer.pack(V1, { expiresAt: new Date(r.clock.now() + 20_000).toISOString() })
    await writeArtifact(r.dir.path, text)
    await r.agent.start()
    offRefresh?.()
    r.clock.advance(20_000)
    expect(r.agent.ready).toBe(false)
    expect(heard).toEqual([
      ['refresh', { revision: revisionOf(text), changed: true }],
      ['revoked', expect.objectContaining({ reason: 'expired', revision: revisionOf(text) })],
      ['error', expect.objectContaining({ code: 'expired' })],
    ])
    await tick(r.agent, r.clock)
    // A fresh artifact is served again, but the unsubscribed refresh listener hears nothing.
    await writeArtifact(r.dir.path, await r.packer.pack(V2, { revision: newRevision(r.clock.now()) }))
    await tick(r.agent, r.clock)
    expect(r.agent.ready).toBe(true)
    expect(heard.map(([name]) => name)).toEqual(['refresh', 'revoked', 'error', 'error'])
  })
})
