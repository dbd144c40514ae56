import { writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { createFakeClock, createLogRecorder, createPacker, tempDir, writeArtifact } from '@clef-sh/testing'
import { createAgent } from './create-agent.ts'
import { testConfig, readerOf } from './test-support.ts'

const VALUES = {
  app: { DATABASE_URL: 'postgres://u:pw-9f3@db/app', API_KEY: 'sk_live_abc123' },
  web: { API_KEY: 'web-key-77' },
}

const setup = async () => {
  const dir = await tempDir()
  const clock = createFakeClock()
  const logger = createLogRecorder()
  const packer = await createPacker(clock)
  const config = testConfig({
    source: { kind: 'file', path: dir.file('artifact.json') },
    ageKey: { kind: 'inline', value: packer.identity },
  })
  const agent = createAgent(config, { now: clock.now, timers: clock.timers, random: () => 0.5, logger })
  return { dir, clock, logger, packer, agent, config }
}

describe('createAgent: loading and serving', () => {
  it('is not ready and not loaded before start', async () => {
    const { dir, agent } = await setup()
    await using _dir = dir
    expect(agent.ready).toBe(false)
    expect(readerOf(agent).ready()).toEqual({ ready: false, reason: 'not_loaded' })
    expect(readerOf(agent).health()).toMatchObject({
      status: 'ok',
      state: 'starting',
      mode: 'cached',
      revision: null,
      lastRefreshAt: null,
      lastRefreshTime: null,
      lastError: null,
    })
    expect(() => readerOf(agent).secrets()).toThrow(expect.objectContaining({ code: 'not_loaded' }))
    await expect(readerOf(agent).refresh()).rejects.toMatchObject({ code: 'not_loaded' })
  })

  it('loads a good artifact and serves it synchronously, in every shape', async () => {
    const { dir, packer, agent, clock } = await setup()
    await using _dir = dir
    await using _agent = agent
    const text = await packer.pack(VALUES)
    const revision = (JSON.parse(text) as { revision: string }).revision
    await writeArtifact(dir.path, text)
    await agent.start()
    expect(agent.ready).toBe(true)
    expect(agent.revision).toBe(revision)
    const served = readerOf(agent).secrets()
    expect(served).not.toBeInstanceOf(Promise)
    expect('allBody' in served && JSON.parse(Buffer.from(served.allBody).toString())).toEqual(VALUES)
    expect(await agent.getAll()).toEqual(VALUES)
    expect(await agent.get('app__DATABASE_URL')).toBe('postgres://u:pw-9f3@db/app')
    expect(await agent.get('DATABASE_URL')).toBe('postgres://u:pw-9f3@db/app')
    expect(await agent.get('nope')).toBeUndefined()
    await expect(agent.get('API_KEY')).rejects.toMatchObject({ code: 'key_ambiguous' })
    expect(await agent.keys()).toEqual(['app__DATABASE_URL', 'app__API_KEY', 'web__API_KEY'])
    expect(readerOf(agent).health()).toEqual({
      status: 'ok',
      state: 'ok',
      mode: 'cached',
      revision,
      lastRefreshAt: clock.now(),
      lastRefreshTime: new Date(clock.now()).toISOString(),
      expired: false,
      lastError: null,
    })
  })

  it('getAll hands out a copy', async () => {
    const { dir, packer, agent } = await setup()
    await using _dir = dir
    await using _agent = agent
    await writeArtifact(dir.path, await packer.pack(VALUES))
    await agent.start()
    const copy = await agent.getAll()
    ;(copy['app'] as Record<string, string>)['API_KEY'] = 'changed'
    expect(await agent.get('app__API_KEY')).toBe('sk_live_abc123')
  })

  it('logs the load with its context and never a value', async () => {
    const { dir, packer, agent, logger } = await setup()
    await using _dir = dir
    await using _agent = agent
    const text = await packer.pack(VALUES, { identity: 'billing', environment: 'staging' })
    await writeArtifact(dir.path, text)
    await agent.start()
    const loaded = logger.lines.find((l) => l.msg === 'artifact loaded')
    expect(loaded?.fields).toEqual({
      revision: (JSON.parse(text) as { revision: string }).revision,
      source: expect.stringContaining(dir.file('artifact.json')),
      identity: 'billing',
      environment: 'staging',
    })
    const all = JSON.stringify(logger.lines)
    for (const secret of ['pw-9f3', 'sk_live_abc123', 'web-key-77', packer.identity])
      expect(all).not.toContain(secret)
  })

  it('exposes Prometheus metrics without secret names or values', async () => {
    const { dir, packer, agent, clock } = await setup()
    await using _dir = dir
    await using _agent = agent
    await writeArtifact(dir.path, await packer.pack(VALUES))
    await agent.start()
    const text = readerOf(agent).metrics()
    expect(text).toContain('clef_agent_refresh_total{outcome="success",code="none"} 1')
    expect(text).toContain('clef_agent_source_fetch_total{outcome="changed"} 1')
    expect(text).toContain('clef_agent_source_fetch_total{outcome="unchanged"} 0')
    expect(text).toContain(`clef_agent_last_refresh_timestamp_seconds ${clock.now() / 1000}`)
    expect(text).toContain(`clef_agent_revision_info{revision="${agent.revision ?? ''}"} 1`)
    expect(text).toContain('clef_agent_ready 1')
    expect(text).toMatch(/# TYPE clef_agent_refresh_total counter/)
    for (const leak of ['DATABASE_URL', 'API_KEY', 'sk_live', 'postgres']) expect(text).not.toContain(leak)
  })

  it('reports a failed first load and counts it', async () => {
    const { dir, agent } = await setup()
    await using _dir = dir
    await using _agent = agent
    await agent.start()
    expect(readerOf(agent).ready()).toEqual({ ready: false, reason: 'source_not_found' })
    expect(readerOf(agent).health()).toMatchObject({
      status: 'ok',
      state: 'unavailable',
      lastError: { code: 'source_not_found' },
    })
    expect(() => readerOf(agent).secrets()).toThrow(expect.objectContaining({ code: 'source_not_found' }))
    expect(readerOf(agent).metrics()).toContain(
      'clef_agent_refresh_total{outcome="failure",code="source_not_found"} 1',
    )
    expect(readerOf(agent).metrics()).toContain('clef_agent_source_fetch_total{outcome="error"} 1')
    expect(readerOf(agent).metrics()).toContain('clef_agent_ready 0')
  })

  it('reader.refresh() answers the revision, or throws the failure code', async () => {
    const { dir, packer, agent } = await setup()
    await using _dir = dir
    await using _agent = agent
    await writeArtifact(dir.path, await packer.pack(VALUES))
    await agent.start()
    expect(await readerOf(agent).refresh()).toEqual({ revision: agent.revision })
    await writeFile(dir.file('artifact.json'), '{"version":1,')
    await expect(readerOf(agent).refresh()).rejects.toMatchObject({ code: 'json_parse' })
  })
})

describe('createAgent: start errors', () => {
  it('a missing age key file is config_invalid', async () => {
    await using dir = await tempDir()
    const config = testConfig({
      source: { kind: 'file', path: dir.file('a.json') },
      ageKey: { kind: 'file', path: dir.file('nope.agekey') },
    })
    const agent = createAgent(config)
    await expect(agent.start()).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('no such file'),
    })
    await agent.stop()
  })

  it('a key file without a key line is config_invalid and its content is not echoed', async () => {
    await using dir = await tempDir()
    await writeFile(dir.file('bad.agekey'), '# just a comment\nsecret-ish-garbage\n')
    const config = testConfig({
      source: { kind: 'file', path: dir.file('a.json') },
      ageKey: { kind: 'file', path: dir.file('bad.agekey') },
    })
    const error = await createAgent(config)
      .start()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'config_invalid' })
    expect((error as Error).message).not.toContain('secret-ish-garbage')
  })

  it('reads the age key from a key file with comments', async () => {
    const { dir, packer, clock } = await setup()
    await using _dir = dir
    await writeFile(
      dir.file('id.agekey'),
      `# created: now\n# public key: ${packer.recipient}\n\n${packer.identity}\n`,
    )
    await writeArtifact(dir.path, await packer.pack(VALUES))
    const config = testConfig({
      source: { kind: 'file', path: dir.file('artifact.json') },
      ageKey: { kind: 'file', path: dir.file('id.agekey') },
    })
    await using agent = createAgent(config, { now: clock.now, timers: clock.timers })
    await agent.start()
    expect(await agent.getAll()).toEqual(VALUES)
  })
})
