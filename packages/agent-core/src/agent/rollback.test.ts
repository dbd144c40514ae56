// Rollback protection across restarts: the high-water mark beside the disk cache, the
// allow-rollback switch, revisions that claim no order, and revisions that stay dead once wiped.
import { existsSync } from 'node:fs'
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import {
  createFakeClock,
  createLogRecorder,
  createPacker,
  type FakeClock,
  newRevision,
  type Packer,
  type TempDir,
  tempDir,
  writeArtifact,
} from '@clef-sh/testing'
import type { AgentConfig } from '../config/types.ts'
import { createAgent } from './create-agent.ts'
import { testConfig, tick, readerOf } from './test-support.ts'
import type { Agent } from './types.ts'

const OLD = { app: { TOKEN: 'old-leaked-value' } }
const NEW = { app: { TOKEN: 'new-current-value' } }

/** Config overrides; `memoryOnly` leaves the cache path unset. */
type BootOptions = Partial<AgentConfig> & { memoryOnly?: boolean }

/** One temp dir, clock and key shared by every agent "process" a test starts on it. */
interface World {
  dir: TempDir
  clock: FakeClock
  packer: Packer
  cachePath: string
  hwmPath: string
  /** Packs `values` at `ms` before the clock's now. */
  packAgo(values: typeof OLD, ms: number, opts?: { revision?: string }): Promise<string>
  /** A new agent on the same cache path, like a restarted process. */
  boot(opts?: BootOptions): { agent: Agent; logger: ReturnType<typeof createLogRecorder> }
}

const world = async (): Promise<World & AsyncDisposable> => {
  const dir = await tempDir()
  const clock = createFakeClock()
  const packer = await createPacker(clock)
  const cachePath = dir.file('cache/artifact.json')
  const agents: Agent[] = []
  return {
    dir,
    clock,
    packer,
    cachePath,
    hwmPath: `${cachePath}.hwm`,
    packAgo: (values, ms, opts = {}) =>
      packer.pack(values, { revision: opts.revision ?? newRevision(clock.now() - ms) }),
    boot: ({ memoryOnly = false, ...config } = {}) => {
      const logger = createLogRecorder()
      const full = testConfig({
        source: { kind: 'file', path: dir.file('artifact.json') },
        ageKey: { kind: 'inline', value: packer.identity },
        ...(memoryOnly ? {} : { cachePath }),
        ...config,
      })
      const agent = createAgent(full, {
        now: () => clock.now(),
        timers: clock.timers,
        random: () => 0.5,
        logger,
      })
      agents.push(agent)
      return { agent, logger }
    },
    [Symbol.asyncDispose]: async () => {
      for (const a of agents) await a.stop()
      await dir[Symbol.asyncDispose]()
    },
  }
}

const revisionOf = (text: string): string => (JSON.parse(text) as { revision: string }).revision

/** Serves `text` and starts a fresh agent on it; returns the agent once it took it. */
const bootOn = async (w: World, text: string, config: BootOptions = {}) => {
  await writeArtifact(w.dir.path, text)
  const booted = w.boot(config)
  await booted.agent.start()
  return booted
}

describe('rollback protection', () => {
  it('refuses a replayed older artifact and keeps serving the newer one', async () => {
    await using w = await world()
    const older = await w.packAgo(OLD, 60_000)
    const { agent } = await bootOn(w, await w.packAgo(NEW, 0))
    await writeArtifact(w.dir.path, older)
    expect(await tick(agent, w.clock)).toMatchObject({ ok: false, code: 'rollback' })
    await expect(readerOf(agent).refresh()).rejects.toMatchObject({
      code: 'rollback',
      message: expect.stringContaining(`revision ${revisionOf(older)} is older than revision`) as string,
    })
    expect(await agent.getAll()).toEqual(NEW)
  })

  it('remembers the mark across a restart: the replay is refused by the next process too', async () => {
    await using w = await world()
    const older = await w.packAgo(OLD, 60_000)
    const newer = await w.packAgo(NEW, 0)
    const first = await bootOn(w, newer)
    await first.agent.stop()
    const stored = JSON.parse(await readFile(w.hwmPath, 'utf8')) as unknown
    expect(stored).toEqual({
      version: 1,
      marks: [{ identity: 'api', environment: 'production', revision: revisionOf(newer) }],
    })
    expect((await stat(w.hwmPath)).mode & 0o777).toBe(0o600)

    const second = await bootOn(w, older)
    // The fetched replay is refused; the disk cache still holds the newer artifact, which is served.
    expect(second.logger.lines.find((l) => l.msg === 'refresh failed')?.fields).toMatchObject({
      code: 'rollback',
    })
    expect(await second.agent.getAll()).toEqual(NEW)
    expect(second.agent.revision).toBe(revisionOf(newer))
  })

  it('refuses, at start, a disk-cached artifact older than the stored mark', async () => {
    await using w = await world()
    const older = await w.packAgo(OLD, 60_000)
    const first = await bootOn(w, await w.packAgo(NEW, 0))
    await first.agent.stop()
    // Someone puts an old (perhaps leaked) artifact where the cache was, and the source is down.
    await writeFile(w.cachePath, older)
    await rm(w.dir.file('artifact.json'))
    const second = w.boot()
    await second.agent.start()
    expect(second.agent.ready).toBe(false)
    expect(second.agent.revision).toBeNull()
    expect(second.logger.lines.find((l) => l.msg === 'disk cache rejected')?.fields).toMatchObject({
      code: 'rollback',
    })
    await expect(second.agent.getAll()).rejects.toMatchObject({ code: 'source_not_found' })
  })

  it('CLEF_AGENT_ALLOW_ROLLBACK accepts the older artifact, says so at start, and moves the mark down', async () => {
    await using w = await world()
    const oldest = await w.packAgo(OLD, 120_000)
    const older = await w.packAgo(OLD, 60_000)
    const first = await bootOn(w, await w.packAgo(NEW, 0))
    expect(first.logger.lines.some((l) => l.msg.includes('CLEF_AGENT_ALLOW_ROLLBACK'))).toBe(false)
    await first.agent.stop()

    const allowed = await bootOn(w, older, { allowRollback: true })
    const warn = allowed.logger.lines.find(
      (l) => l.level === 'warn' && l.msg.includes('rollback protection is off'),
    )
    expect(warn?.msg).toContain('CLEF_AGENT_ALLOW_ROLLBACK=true')
    expect(await allowed.agent.getAll()).toEqual(OLD)
    expect(allowed.agent.revision).toBe(revisionOf(older))
    await allowed.agent.stop()

    // The deliberate rollback is the new baseline: it is served without the switch, older is not.
    const after = await bootOn(w, older)
    expect(after.agent.revision).toBe(revisionOf(older))
    await writeArtifact(w.dir.path, oldest)
    expect(await tick(after.agent, w.clock)).toMatchObject({ ok: false, code: 'rollback' })
  })

  it('revisions without the <ms>-<hex> form claim no order: accepted, and they never lower the mark', async () => {
    await using w = await world()
    const older = await w.packAgo(OLD, 60_000)
    const newer = await w.packAgo(NEW, 0)
    const { agent } = await bootOn(w, newer)
    await writeArtifact(w.dir.path, await w.packAgo(OLD, 0, { revision: 'release-candidate' }))
    expect(await tick(agent, w.clock)).toMatchObject({
      ok: true,
      revision: 'release-candidate',
      changed: true,
    })
    await writeArtifact(w.dir.path, older)
    expect(await tick(agent, w.clock)).toMatchObject({ ok: false, code: 'rollback' })
    const stored = JSON.parse(await readFile(w.hwmPath, 'utf8')) as { marks: { revision: string }[] }
    expect(stored.marks.map((m) => m.revision)).toEqual([revisionOf(newer)])
  })

  it('a revoked revision is not served again when it is replayed, even by the next process', async () => {
    await using w = await world()
    const text = await w.packAgo(NEW, 0)
    const first = await bootOn(w, text)
    const marker = {
      version: 1,
      identity: 'api',
      environment: 'production',
      revokedAt: new Date().toISOString(),
    }
    await writeArtifact(w.dir.path, JSON.stringify(marker))
    expect(await tick(first.agent, w.clock)).toMatchObject({ ok: false, code: 'revoked' })
    await writeArtifact(w.dir.path, text)
    expect(await tick(first.agent, w.clock)).toMatchObject({ ok: false, code: 'revoked' })
    expect(first.agent.revision).toBeNull()
    await first.agent.stop()

    const second = await bootOn(w, text)
    expect(readerOf(second.agent).ready()).toEqual({ ready: false, reason: 'revoked' })
    const fresh = await w.packAgo(NEW, -1_000)
    await writeArtifact(w.dir.path, fresh)
    expect(await tick(second.agent, w.clock)).toMatchObject({ ok: true, revision: revisionOf(fresh) })
  })

  it('without a cache path the mark is memory-only: a new process accepts the older artifact', async () => {
    await using w = await world()
    const first = await bootOn(w, await w.packAgo(NEW, 0), { memoryOnly: true })
    await first.agent.stop()
    const second = await bootOn(w, await w.packAgo(OLD, 60_000), { memoryOnly: true })
    expect(await second.agent.getAll()).toEqual(OLD)
    expect(existsSync(w.hwmPath)).toBe(false)
  })

  it('a malformed marks file is logged and replaced, never fatal', async () => {
    await using w = await world()
    const first = await bootOn(w, await w.packAgo(OLD, 60_000))
    await first.agent.stop()
    await writeFile(w.hwmPath, '{"version":1,"marks":[{"identity":"api"')
    const newer = await w.packAgo(NEW, 0)
    const second = await bootOn(w, newer)
    expect(second.logger.lines.find((l) => l.level === 'error')?.msg).toBe(
      'rollback marks file is malformed; starting without it',
    )
    expect(await second.agent.getAll()).toEqual(NEW)
    expect(JSON.parse(await readFile(w.hwmPath, 'utf8'))).toMatchObject({
      marks: [{ revision: revisionOf(newer) }],
    })
  })
})
