// What npm users get: every public package is built, packed with `pnpm pack` (publishConfig applied),
// checked by publint and attw, and installed into plain CommonJS and ESM consumer projects that load
// the demo artifact with loadSecrets. The examples/ a user copies install the same tarballs plus
// their framework (Express, Hono) from npm, serve from the demo artifact and exit 0 on SIGTERM.
import { spawn } from 'node:child_process'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PUBLIC, ROOT, limited, npmInstall, packPublic, run } from './packed.ts'

const BIN = join(ROOT, 'node_modules/.bin')
const DEMO = {
  artifact: join(ROOT, 'examples/demo/artifact.json'),
  key: join(ROOT, 'examples/demo/demo.agekey'),
}
const DEMO_NAMES = ['app__DATABASE_URL', 'app__API_KEY', 'app__LOG_LEVEL']

let work = ''
let tarballs: string[] = []

const installExample = async (name: string): Promise<string> => {
  const dir = join(work, name)
  await cp(join(ROOT, 'examples', name), dir, { recursive: true })
  await npmInstall(dir, tarballs)
  return dir
}

const lastJson = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').at(-1) ?? '')

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'clef-publish-'))
  tarballs = await packPublic(join(work, 'tarballs'))
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
    const [esm, cjs] = await Promise.all([installExample('esm-consumer'), installExample('cjs-consumer')])
    const esmOut = await run('node', ['index.mjs', DEMO.artifact, DEMO.key], { cwd: esm })
    expect(lastJson(esmOut.stdout)).toEqual({ format: 'esm', names: DEMO_NAMES })
    const cjsOut = await run('node', ['index.cjs', DEMO.artifact, DEMO.key], { cwd: cjs })
    expect(lastJson(cjsOut.stdout)).toEqual({ format: 'cjs', names: DEMO_NAMES })
    await cp(join(import.meta.dirname, 'pq-consumer.cjs'), join(cjs, 'pq-consumer.cjs'))
    const pqOut = await run('node', ['pq-consumer.cjs'], { cwd: cjs })
    expect(lastJson(pqOut.stdout)).toEqual({ format: 'cjs-pq', values: { pq: { KEY: 'pq-value' } } })
  })
})

/** The age-basic vector, which the demo artifact is a copy of: its revision and plaintext values. */
const demoVector = async (): Promise<{ revision: string; values: string[] }> => {
  const index = JSON.parse(await readFile(join(ROOT, 'test/vectors/index.json'), 'utf8')) as {
    vectors: { name: string; expect: { revision: string; values: Record<string, Record<string, string>> } }[]
  }
  const v = index.vectors.find((x) => x.name === 'age-basic')
  if (v === undefined) throw new Error('age-basic vector missing')
  return {
    revision: v.expect.revision,
    values: Object.values(v.expect.values).flatMap((ns) => Object.values(ns)),
  }
}

interface Served {
  port: number
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stop(): void
  stderr(): string
}

/** Starts `server.mjs` in `dir` with PORT=0; resolves once it printed `{ "listening": port }`. */
const serve = (dir: string, env: Record<string, string>): Promise<Served> =>
  new Promise((resolveServed, reject) => {
    const child = spawn(process.execPath, ['server.mjs'], {
      cwd: dir,
      env: { ...process.env, ...env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once('exit', (code, signal) => {
        done({ code, signal })
      }),
    )
    void exited.then(({ code }) => {
      reject(new Error(`server.mjs exited ${String(code)} before listening: ${stderr}`))
    })
    createInterface({ input: child.stdout }).on('line', (line) => {
      const port = (JSON.parse(line) as { listening?: number }).listening
      if (port !== undefined)
        resolveServed({ port, exited, stop: () => child.kill('SIGTERM'), stderr: () => stderr })
    })
  })

const get = async (port: number, path: string): Promise<{ status: number; body: string }> => {
  const res = await fetch(`http://127.0.0.1:${String(port)}${path}`)
  return { status: res.status, body: await res.text() }
}

const FROM_ENV = { CLEF_AGENT_SOURCE: DEMO.artifact, CLEF_AGENT_AGE_KEY_FILE: DEMO.key }

describe('examples', () => {
  it.each([
    { name: 'embedded-express', env: FROM_ENV, field: 'apiKey', value: 'configured' },
    { name: 'embedded-node-http', env: FROM_ENV, field: 'configured', value: true },
    {
      name: 'embedded-hono',
      env: { ARTIFACT: DEMO.artifact, AGE_KEY_FILE: DEMO.key },
      field: 'database',
      value: 'configured',
    },
  ])('$name serves from the demo artifact and exits 0 on SIGTERM', async ({ name, env, field, value }) => {
    const [dir, demo] = await Promise.all([installExample(name), demoVector()])
    const server = await serve(dir, env)
    let root: { status: number; body: string }
    try {
      expect((await get(server.port, '/healthz')).status).toBe(200)
      root = await get(server.port, '/')
    } finally {
      server.stop()
    }
    expect(root.status).toBe(200)
    expect(JSON.parse(root.body)).toEqual({ [field]: value, revision: demo.revision })
    // The page says whether a secret is there, never what it is.
    for (const secret of demo.values) expect(root.body).not.toContain(secret)
    expect(await server.exited).toEqual({ code: 0, signal: null })
    expect(server.stderr()).toBe(name === 'embedded-express' ? `secrets at revision ${demo.revision}\n` : '')
  })

  it('load-secrets-script loads once and exits by itself', async () => {
    const dir = await installExample('load-secrets-script')
    const { stdout } = await run('node', ['script.mjs', DEMO.artifact, DEMO.key], { cwd: dir })
    expect(stdout).toBe('loaded 3 secrets of namespace "app"\n')
  })
})
