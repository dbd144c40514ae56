// What npm users get: every public package is built, packed with `pnpm pack` (publishConfig applied),
// checked by publint and attw, and installed into plain CommonJS and ESM consumer projects that load
// the demo artifact with loadSecrets.
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'node_modules/.bin')
const PUBLIC = [
  'errors',
  'artifact-format',
  'decrypt',
  'sources',
  'cache',
  'http-api',
  'agent-core',
  'telemetry',
]
const DEMO = {
  artifact: join(ROOT, 'examples/demo/artifact.json'),
  key: join(ROOT, 'examples/demo/demo.agekey'),
}
const DEMO_NAMES = ['app__DATABASE_URL', 'app__API_KEY', 'app__LOG_LEVEL']

let work = ''
let tarballs: string[] = []

const inPackage = (name: string, file: string, args: string[]) =>
  run(file, args, { cwd: join(ROOT, 'packages', name), maxBuffer: 16 << 20 })

// Two cores are shared: a few at a time, not all eight.
const limited = async <T>(items: readonly string[], fn: (item: string) => Promise<T>): Promise<T[]> => {
  const results: T[] = []
  for (let i = 0; i < items.length; i += 3)
    results.push(...(await Promise.all(items.slice(i, i + 3).map(fn))))
  return results
}

// Offline first (the npm cache); the registry only when the cache misses something.
const installConsumer = async (name: string): Promise<string> => {
  const dir = join(work, name)
  await cp(join(ROOT, 'examples', name), dir, { recursive: true })
  const flags = ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error']
  try {
    await run('npm', [...flags, '--offline', ...tarballs], { cwd: dir })
  } catch {
    await run('npm', [...flags, '--prefer-offline', ...tarballs], { cwd: dir })
  }
  return dir
}

const lastJson = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').at(-1) ?? '')

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'clef-publish-'))
  const packs = join(work, 'tarballs')
  await limited(PUBLIC, (name) => inPackage(name, 'node', [join(ROOT, 'scripts/build-package.mjs')]))
  await limited(PUBLIC, (name) => inPackage(name, 'pnpm', ['pack', '--pack-destination', packs]))
  tarballs = (await readdir(packs)).map((file) => join(packs, file))
})

afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true })
})

describe('published packages', () => {
  it('packs one tarball per public package, with only dist and the README', async () => {
    expect(tarballs).toHaveLength(PUBLIC.length)
    const { stdout } = await run('tar', ['tzf', tarballs.find((t) => t.includes('agent-core')) ?? ''])
    const files = stdout.trim().split('\n')
    expect(files).toContain('package/dist/index.cjs')
    expect(files).toContain('package/dist/cjs/index.d.ts')
    expect(files).toContain('package/README.md')
    expect(files.filter((f) => !/^package\/(dist\/|package\.json$|README\.md$)/.test(f))).toEqual([])
  })

  it('passes publint (strict) and attw for every package', async () => {
    const reports = await limited(tarballs, async (tarball) => {
      await run(join(BIN, 'publint'), ['run', tarball, '--strict'])
      const { stdout } = await run(join(BIN, 'attw'), [tarball, '--format', 'json'])
      return { tarball, problems: (JSON.parse(stdout) as { problems?: unknown }).problems ?? {} }
    })
    for (const report of reports) expect(report.problems, report.tarball).toEqual({})
  })

  it('loads the demo artifact from an ESM and a CommonJS consumer, and a PQ artifact from CommonJS', async () => {
    const [esm, cjs] = await Promise.all([installConsumer('esm-consumer'), installConsumer('cjs-consumer')])
    const esmOut = await run('node', ['index.mjs', DEMO.artifact, DEMO.key], { cwd: esm })
    expect(lastJson(esmOut.stdout)).toEqual({ format: 'esm', names: DEMO_NAMES })
    const cjsOut = await run('node', ['index.cjs', DEMO.artifact, DEMO.key], { cwd: cjs })
    expect(lastJson(cjsOut.stdout)).toEqual({ format: 'cjs', names: DEMO_NAMES })
    await cp(join(import.meta.dirname, 'pq-consumer.cjs'), join(cjs, 'pq-consumer.cjs'))
    const pqOut = await run('node', ['pq-consumer.cjs'], { cwd: cjs })
    expect(lastJson(pqOut.stdout)).toEqual({ format: 'cjs-pq', values: { pq: { KEY: 'pq-value' } } })
  })
})
