// The node bundle's V8 code cache (issue 16 item 3: start-up within 1.25× of bare Node): the first
// start writes it to the user's own cache directory, later starts compile from it, and a cache that
// is torn, refused by V8 or not safely owned is never used, without ever stopping the agent.
import { createHash } from 'node:crypto'
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir, vector, vectorPath, type TempDir } from '@clef-sh/testing'
import { startDaemon, waitLoaded, type Daemon } from './harness.ts'

const V = vector('age-basic')
const VALUES = V.expect.ok ? V.expect.values : {}
const MAGIC = 'clef-agent code cache 1\n'

const start = (home: string, env: Record<string, string> = {}): Promise<Daemon> =>
  startDaemon({
    HOME: home,
    CLEF_AGENT_LOG_LEVEL: 'debug',
    CLEF_AGENT_SOURCE: vectorPath(V),
    CLEF_AGENT_AGE_KEY: V.ageKey ?? '',
    ...env,
  })

/** The `code cache` debug lines' states, in order. */
const states = (d: Daemon): string[] =>
  d
    .output()
    .split('\n')
    .filter((l) => l.includes('"code cache'))
    .map((l) => (JSON.parse(l) as { state?: string; msg: string }).state ?? 'refused')

/** Starts, checks the agent serves the vector, waits for the first `code cache` line. */
const serve = async (home: string, env: Record<string, string> = {}): Promise<Daemon> => {
  const d = await start(home, env)
  await waitLoaded(d)
  expect((await d.get('/v1/secrets')).json).toEqual(VALUES)
  return d
}

const written = (d: Daemon): Promise<void> => d.waitFor(() => Promise.resolve(states(d).includes('written')))

/** Runs one agent until it wrote its cache; resolves the cache file. */
const primed = async (home: TempDir, env: Record<string, string> = {}): Promise<string> => {
  await using d = await serve(home.path, env)
  await written(d)
  const dir = join(home.path, '.cache/clef-agent')
  const [name] = (await readdir(dir)).filter((f) => f.endsWith('.v8cache'))
  return join(dir, name ?? 'missing')
}

describe('the node bundle code cache', () => {
  it('is written once, private, after the first start, and used by the next', async () => {
    await using home = await tempDir()
    const file = await primed(home)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await stat(join(home.path, '.cache/clef-agent'))).mode & 0o777).toBe(0o700)
    expect((await readFile(file)).subarray(0, MAGIC.length).toString()).toBe(MAGIC)
    const before = (await stat(file)).mtimeMs
    await using again = await serve(home.path)
    expect(states(again)[0]).toBe('used')
    await new Promise((r) => setTimeout(r, 1500))
    expect(states(again)).not.toContain('written')
    expect((await stat(file)).mtimeMs).toBe(before)
  })

  it('is used by the next start in JIT mode too, after the decrypt worker and the V8 flags the agent sets', async () => {
    // V8 refuses a cache made under other flags: those the agent changes (process-flags.ts) must
    // not be in force when the cache is written.
    await using home = await tempDir()
    const jit = { CLEF_AGENT_CACHE_TTL: '0' }
    await primed(home, jit)
    await using again = await serve(home.path, jit)
    expect(states(again)[0]).toBe('used')
  })

  it('compiles normally from a torn cache, and replaces it', async () => {
    await using home = await tempDir()
    const file = await primed(home)
    const whole = await readFile(file)
    await writeFile(file, whole.subarray(0, whole.length >> 1))
    await using d = await serve(home.path)
    expect(states(d)[0]).toBe('corrupt')
    await written(d)
    expect((await readFile(file)).length).toBeGreaterThan(whole.length >> 1)
  })

  it('compiles normally when V8 refuses an intact cache (another build or Node), and replaces it', async () => {
    await using home = await tempDir()
    const file = await primed(home)
    const junk = Buffer.alloc(4096, 7)
    const digest = createHash('sha256').update(junk).digest()
    await writeFile(file, Buffer.concat([Buffer.from(MAGIC), digest, junk]))
    await using d = await serve(home.path)
    expect(states(d)[0]).toBe('rejected')
    await written(d)
  })

  it('refuses a cache file others can write, says so, and leaves it alone', async () => {
    await using home = await tempDir()
    const file = await primed(home)
    await chmod(file, 0o666)
    await using d = await serve(home.path)
    expect(d.output()).toContain('"msg":"code cache refused"')
    expect(d.output()).toContain('has mode 0666')
    expect(states(d)).toContain('untrusted')
    await new Promise((r) => setTimeout(r, 1500))
    expect(states(d)).not.toContain('written')
    expect((await stat(file)).mode & 0o777).toBe(0o666)
  })

  it('neither reads nor writes in a cache directory others can write', async () => {
    await using home = await tempDir()
    const file = await primed(home)
    await chmod(join(home.path, '.cache'), 0o777)
    const before = (await stat(file)).mtimeMs
    await using d = await serve(home.path)
    expect(states(d)[0]).toBe('untrusted')
    expect(d.output()).toContain('has mode 0777')
    await new Promise((r) => setTimeout(r, 1500))
    expect((await stat(file)).mtimeMs).toBe(before)
  })

  it('is off with NODE_DISABLE_COMPILE_CACHE', async () => {
    await using home = await tempDir()
    await using d = await startDaemon({
      HOME: home.path,
      NODE_DISABLE_COMPILE_CACHE: '1',
      CLEF_AGENT_LOG_LEVEL: 'debug',
      CLEF_AGENT_SOURCE: vectorPath(V),
      CLEF_AGENT_AGE_KEY: V.ageKey ?? '',
    })
    await waitLoaded(d)
    await new Promise((r) => setTimeout(r, 1500))
    expect(states(d)).toEqual(['off'])
    await expect(readdir(home.path)).resolves.toEqual([])
  })
})
