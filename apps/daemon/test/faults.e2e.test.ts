// Process-level faults through the real daemon: a token file others can read is refused at start,
// and `kill -9` at random moments of a disk-cache write never leaves a cache the next start cannot
// serve (it serves the old or the new revision, whole).
import { watch } from 'node:fs'
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import {
  createAgeKey,
  freePort,
  type HttpOrigin,
  newRevision,
  packArtifact,
  startHttpOrigin,
  tempDir,
  vector,
  vectorPath,
} from '@clef-sh/testing'
import { runDaemon, startDaemon, waitLoaded, type Daemon } from './harness.ts'

type Values = Record<string, Record<string, string>>

describe('token file permissions', () => {
  const TOKEN = 'token-from-a-world-readable-file'

  it('a token file with group/world access stops the daemon with exit 1, naming the path, not the token', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    await writeFile(tokenFile, `${TOKEN}\n`)
    await chmod(tokenFile, 0o644)
    const v = vector('age-basic')
    const { code, output } = await runDaemon([], {
      CLEF_AGENT_SOURCE: vectorPath(v),
      CLEF_AGENT_AGE_KEY: v.ageKey ?? '',
      CLEF_AGENT_TOKEN_FILE: tokenFile,
      CLEF_AGENT_PORT: String(await freePort()),
    })
    expect(code).toBe(1)
    expect(output).toContain(`token file ${tokenFile} has mode 0644; expected 0600`)
    expect(output).not.toContain(TOKEN)
  })

  it('the same file with mode 0600 is accepted and its token works', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 })
    const v = vector('age-basic')
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: vectorPath(v),
      CLEF_AGENT_AGE_KEY: v.ageKey ?? '',
      CLEF_AGENT_TOKEN: '',
      CLEF_AGENT_TOKEN_FILE: tokenFile,
    })
    await waitLoaded(d)
    const res = await fetch(`http://127.0.0.1:${d.port}/v1/keys`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(res.status).toBe(200)
    expect(d.output()).not.toContain(TOKEN)
  })
})

describe('rollback protection across daemon restarts', () => {
  it('a restarted daemon refuses a replayed older artifact; CLEF_AGENT_ALLOW_ROLLBACK=true takes it, with a warning', async () => {
    await using root = await tempDir()
    const key = await createAgeKey()
    const older = await packArtifact({
      recipient: key.recipient,
      values: { app: { K: 'old-value' } },
      revision: newRevision(Date.now() - 60_000),
    })
    const newer = await packArtifact({ recipient: key.recipient, values: { app: { K: 'new-value' } } })
    const revisionOf = (text: string): string => (JSON.parse(text) as { revision: string }).revision
    await using origin = await startHttpOrigin({ body: newer })
    const env = {
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_CACHE_PATH: root.file('artifact.json'),
    }
    const health = async (d: Daemon) =>
      (await d.get('/v1/health', { auth: false })).json as {
        revision: string
        lastError: { code: string } | null
      }

    // Ready, not just loaded: the first refresh ends only once the cache and the marks are written.
    const ready = (d: Daemon) =>
      d.waitFor(async () => (await d.get('/v1/ready', { auth: false })).status === 200)

    const first = await startDaemon(env)
    await ready(first)
    expect((await health(first)).revision).toBe(revisionOf(newer))
    expect(await first.stop()).toBe(0)

    origin.setBody(older)
    await using second = await startDaemon(env)
    await ready(second)
    // The replay is refused; the disk cache still has the newer artifact, which is served.
    expect(await health(second)).toMatchObject({
      revision: revisionOf(newer),
      lastError: { code: 'rollback' },
    })
    expect((await second.get('/v1/secrets')).json).toEqual({ app: { K: 'new-value' } })
    expect(second.output()).not.toContain('rollback protection is off')
    await second.stop()

    await using third = await startDaemon({ ...env, CLEF_AGENT_ALLOW_ROLLBACK: 'true' })
    await ready(third)
    expect((await health(third)).revision).toBe(revisionOf(older))
    expect((await third.get('/v1/secrets')).json).toEqual({ app: { K: 'old-value' } })
    expect(third.output()).toMatch(
      /"level":"warn","msg":"rollback protection is off \(CLEF_AGENT_ALLOW_ROLLBACK=true\)/,
    )
  })
})

interface Version {
  values: Values
  text: string
  revision: string
}

/** `count` whole versions of the 5000-key vector, one value changed in each, revisions rising. */
const packVersions = async (recipient: string, count: number): Promise<Version[]> => {
  const base = vector('large-5000-keys').expect
  if (!base.ok) throw new Error('large-5000-keys is an ok vector')
  const [ns, keys] = Object.entries(base.values)[0] ?? ['', {}]
  const firstKey = Object.keys(keys)[0] ?? ''
  const start = Date.now() - 3_600_000
  const versions: Version[] = []
  for (let i = 0; i < count; i++) {
    const values = { ...base.values, [ns]: { ...keys, [firstKey]: `rotation-${i}` } }
    const revision = newRevision(start + i * 1_000)
    versions.push({ values, revision, text: await packArtifact({ recipient, values, revision }) })
  }
  return versions
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const TEMP_FILE = /^\.artifact\.json\.[0-9a-f]{12}\.tmp$/
const MARKS_TEMP_FILE = /^\.artifact\.json\.hwm\.[0-9a-f]{12}\.tmp$/

interface KillOptions {
  dir: string
  pattern: RegExp
  /** Kill anyway after this long without such a file. */
  ms: number
}

/**
 * SIGKILLs `d` the moment a file named like `pattern` appears in `dir`: mid-write, between the
 * temp file's creation and its rename. True when it was such a hit.
 */
const killWhenCreated = (d: Daemon, { dir, pattern, ms }: KillOptions): Promise<boolean> =>
  new Promise((resolve) => {
    let settled = false
    const done = (hit: boolean): void => {
      if (settled) return
      settled = true
      d.proc.kill('SIGKILL')
      watcher.close()
      clearTimeout(timer)
      resolve(hit)
    }
    const watcher = watch(dir, (_event, name) => {
      if (name !== null && pattern.test(name)) done(true)
    })
    const timer = setTimeout(() => {
      done(false)
    }, ms)
  })

const timeOf = (revision: string): number => Number(revision.split('-')[0])

describe('kill -9 during disk-cache writes', () => {
  it('every restart with the source down serves the old or the new revision from the cache, whole', async ({
    annotate,
  }) => {
    const KILLS = 20
    await using root = await tempDir()
    const key = await createAgeKey()
    const versions = await packVersions(key.recipient, KILLS + 3)
    const cachePath = root.file('cache/artifact.json')
    await using origin: HttpOrigin = await startHttpOrigin({ body: versions[0]?.text ?? '' })
    const env = {
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_CACHE_PATH: cachePath,
      CLEF_AGENT_LOG_LEVEL: 'warn',
    }
    const revisionOf = async (d: Daemon): Promise<string> =>
      ((await d.get('/v1/health', { auth: false })).json as { revision: string }).revision

    // Every daemon started here is killed at the end, whatever happens in between.
    await using started = {
      all: [] as Daemon[],
      [Symbol.asyncDispose]: async () => {
        for (const daemon of started.all) await daemon[Symbol.asyncDispose]()
      },
    }
    const boot = async (): Promise<Daemon> => {
      const daemon = await startDaemon(env)
      started.all.push(daemon)
      // Ready, not just loaded: a refresh asked for before the first one ended would join it.
      await daemon.waitFor(async () => (await daemon.get('/v1/ready', { auth: false })).status === 200)
      return daemon
    }
    let d = await boot()
    // How long one rotation takes end to end (fetch, checks, decrypt, cache and marks written).
    origin.setBody(versions[1]?.text ?? '')
    const began = Date.now()
    expect((await d.get('/v1/refresh', { method: 'POST' })).json).toEqual({ revision: versions[1]?.revision })
    const rotationMs = Date.now() - began
    let served = 1
    const stats = {
      kills: 0,
      servedNew: 0,
      servedOld: 0,
      midCacheWrite: 0,
      midMarksWrite: 0,
      tempFilesLeft: 0,
    }
    const cacheDir = root.file('cache')

    for (let next = 2; next < KILLS + 2; next++) {
      origin.setBody(versions[next]?.text ?? '')
      if (next > 2) await origin.restart()
      // Three ways to die: at a random moment of the rotation, mid cache write, mid marks write.
      const how = next % 3
      const pattern = how === 1 ? TEMP_FILE : MARKS_TEMP_FILE
      const killed =
        how === 0 ? undefined : killWhenCreated(d, { dir: cacheDir, pattern, ms: 5 * rotationMs + 1_000 })
      void d.get('/v1/refresh', { method: 'POST' }).catch(() => undefined)
      if (killed === undefined) await sleep(Math.random() * rotationMs * 1.5)
      else if (await killed) stats[how === 1 ? 'midCacheWrite' : 'midMarksWrite'] += 1
      await d.stop('SIGKILL')
      stats.kills += 1
      await origin.stop()

      const candidates = [versions[served], versions[next]]
      const names = await readdir(cacheDir)
      stats.tempFilesLeft += names.filter((n) => TEMP_FILE.test(n) || MARKS_TEMP_FILE.test(n)).length
      const onDisk = JSON.parse(await readFile(cachePath, 'utf8')) as { revision: string }
      expect(candidates.map((c) => c?.revision)).toContain(onDisk.revision)
      // The marks file is whole too, and never above the cache (it is written second).
      const marks = JSON.parse(await readFile(`${cachePath}.hwm`, 'utf8')) as {
        marks: { revision: string }[]
      }
      expect(timeOf(marks.marks[0]?.revision ?? '')).toBeLessThanOrEqual(timeOf(onDisk.revision))

      d = await boot()
      const revision = await revisionOf(d)
      const index = candidates.findIndex((c) => c?.revision === revision)
      expect(
        index,
        `restart ${stats.kills} serves ${revision}; output:\n${d.output()}`,
      ).toBeGreaterThanOrEqual(0)
      expect((await d.get('/v1/secrets')).json).toEqual(candidates[index]?.values)
      if (index === 1) stats.servedNew += 1
      else stats.servedOld += 1
      served = index === 1 ? next : served
    }

    // The source comes back: the next write goes through and sweeps what the kills left behind.
    await origin.restart()
    origin.setBody(versions[KILLS + 2]?.text ?? '')
    expect((await d.get('/v1/refresh', { method: 'POST' })).json).toEqual({
      revision: versions[KILLS + 2]?.revision,
    })
    expect((await readdir(cacheDir)).filter((n) => TEMP_FILE.test(n) || MARKS_TEMP_FILE.test(n))).toEqual([])
    expect(stats.servedNew + stats.servedOld).toBe(KILLS)
    // Most of the targeted kills did land mid-write (a few may miss when the write is too quick).
    expect(stats.midCacheWrite + stats.midMarksWrite).toBeGreaterThanOrEqual(KILLS / 3)
    await annotate(
      `${stats.kills} kills (rotation ${rotationMs} ms): ${stats.midCacheWrite} mid cache write, ` +
        `${stats.midMarksWrite} mid marks write; restarts served ${stats.servedNew} new, ${stats.servedOld} old; ` +
        `${stats.tempFilesLeft} temp files left behind and swept`,
    )
  }, 120_000)
})
