// CLEF_AGENT_CACHE_PATH as a directory, the form Clef's README uses: the artifact is kept as
// `<dir>/<identity>/<environment>.age.json` (Clef's layout) with the rollback marks at the
// directory's root, a file Clef's agent left there is found at start, and a location that cannot
// be created or written stops the daemon at start, naming the variable.
import { chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort, startHttpOrigin, tempDir, vector, vectorText } from '@clef-sh/testing'
import { runDaemon, startDaemon, type Daemon } from './harness.ts'

const AGE_BASIC = vector('age-basic')
const VALUES = AGE_BASIC.expect.ok ? AGE_BASIC.expect.values : {}
const REVISION = AGE_BASIC.expect.ok ? AGE_BASIC.expect.revision : ''
const PACKED = JSON.parse(vectorText(AGE_BASIC)) as { identity: string; environment: string }
const LAYOUT = join(PACKED.identity, `${PACKED.environment}.age.json`)
/** A uid that is neither root nor this process. */
const OTHER = 4242

const waitReady = (d: Daemon): Promise<void> =>
  d.waitFor(async () => (await d.get('/v1/ready', { auth: false })).status === 200)

/** A port nothing listens on: the source is down from the start. */
const downSource = async (): Promise<string> => `http://127.0.0.1:${await freePort()}/artifact.json`

describe('CLEF_AGENT_CACHE_PATH as a directory', () => {
  it.each([
    ['an existing directory', false],
    ['a path ending in /', true],
  ])(
    '%s: writes <dir>/<identity>/<environment>.age.json (0600) and the marks, and serves it after a restart with the source down',
    async (_name, slash) => {
      await using tmp = await tempDir()
      const dir = tmp.file('clef-cache')
      if (!slash) await mkdir(dir, { mode: 0o700 })
      const origin = await startHttpOrigin({ body: vectorText(AGE_BASIC) })
      const env = {
        CLEF_AGENT_SOURCE: origin.url,
        CLEF_AGENT_AGE_KEY: AGE_BASIC.ageKey ?? '',
        CLEF_AGENT_CACHE_PATH: slash ? `${dir}/` : dir,
      }
      {
        await using first = await startDaemon(env)
        await waitReady(first)
        expect((await first.get('/v1/secrets')).json).toEqual(VALUES)
        expect(await first.stop()).toBe(0)
        expect(first.output()).not.toContain('disk cache could not be written')
      }
      const file = join(dir, LAYOUT)
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      expect((await stat(join(dir, PACKED.identity))).mode & 0o777).toBe(0o700)
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ revision: REVISION })
      expect(JSON.parse(await readFile(join(dir, '.clef-agent.hwm'), 'utf8'))).toMatchObject({
        marks: [{ identity: PACKED.identity, environment: PACKED.environment, revision: REVISION }],
      })

      await origin.close()
      await using second = await startDaemon(env)
      await waitReady(second)
      expect((await second.get('/v1/secrets')).json).toEqual(VALUES)
      expect(second.output()).toContain(`"source":"disk cache ${file}"`)
    },
  )

  it.each([
    ['without a pinned lineage (the single file is picked)', {}],
    [
      'with the pinned lineage',
      { CLEF_AGENT_IDENTITY: PACKED.identity, CLEF_AGENT_ENVIRONMENT: PACKED.environment },
    ],
  ])(
    'finds a cache file Clef left in its layout, %s, and serves it with the source down',
    async (_n, pin) => {
      await using tmp = await tempDir()
      const dir = tmp.file('clef-cache')
      await mkdir(join(dir, PACKED.identity), { recursive: true, mode: 0o700 })
      await writeFile(join(dir, LAYOUT), vectorText(AGE_BASIC), { mode: 0o600 })
      await using d = await startDaemon({
        ...pin,
        CLEF_AGENT_SOURCE: await downSource(),
        CLEF_AGENT_AGE_KEY: AGE_BASIC.ageKey ?? '',
        CLEF_AGENT_CACHE_PATH: dir,
      })
      await waitReady(d)
      expect((await d.get('/v1/secrets')).json).toEqual(VALUES)
      expect(d.output()).toContain(`"source":"disk cache ${join(dir, LAYOUT)}"`)
    },
  )

  it('re-validates a file found there: a tampered one is rejected and nothing is served', async () => {
    await using tmp = await tempDir()
    const dir = tmp.file('clef-cache')
    await mkdir(join(dir, PACKED.identity), { recursive: true, mode: 0o700 })
    const packed = JSON.parse(vectorText(AGE_BASIC)) as Record<string, unknown>
    await writeFile(join(dir, LAYOUT), JSON.stringify({ ...packed, ciphertext: 'AAAA' }), { mode: 0o600 })
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: await downSource(),
      CLEF_AGENT_AGE_KEY: AGE_BASIC.ageKey ?? '',
      CLEF_AGENT_CACHE_PATH: dir,
    })
    await d.waitFor(() => Promise.resolve(d.output().includes('disk cache rejected')))
    expect((await d.get('/v1/secrets')).status).toBe(503)
  })

  it.each([
    [
      'under a regular file',
      async (tmp: { file(n: string): string }) => {
        await writeFile(tmp.file('blocker'), 'a file, not a dir')
        return `${tmp.file('blocker')}/cache/`
      },
      'cannot be created or written',
    ],
    [
      'a directory owned by another uid',
      async (tmp: { file(n: string): string }) => {
        await mkdir(tmp.file('theirs'), { mode: 0o700 })
        await chown(tmp.file('theirs'), OTHER, OTHER)
        return tmp.file('theirs')
      },
      `is owned by uid ${OTHER}`,
    ],
  ])('a location %s stops the daemon at start (exit 1), naming the variable', async (_n, make, why) => {
    await using tmp = await tempDir()
    const path = await make(tmp)
    const { code, output } = await runDaemon([], {
      CLEF_AGENT_SOURCE: await downSource(),
      CLEF_AGENT_AGE_KEY: AGE_BASIC.ageKey ?? '',
      CLEF_AGENT_TOKEN: 'test-token-0123456789abcdef',
      CLEF_AGENT_PORT: String(await freePort()),
      CLEF_AGENT_CACHE_PATH: path,
    })
    expect(code).toBe(1)
    expect(output).toContain('CLEF_AGENT_CACHE_PATH')
    expect(output).toContain(why)
  })
})
