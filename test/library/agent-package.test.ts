// `npm install @clef-sh/agent` then `npx clef-agent`, as Clef's README does it: the package packed
// with `pnpm pack`, installed with npm into an empty folder, serves the demo artifact, and needs
// nothing but what that install brings (no dependencies at all, no workspace package).
import { execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '../..')
const PACKAGE = join(ROOT, 'apps/agent')
const DEMO = join(ROOT, 'examples/demo')
const TOKEN = 'npx-test-token-0123456789abcdefghij'
/** A port free on 127.0.0.1 now (the root tests do not depend on @clef-sh/testing). */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer().once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0)
      })
    })
  })

let work = ''
let project = ''
let tarball = ''

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'clef-npx-'))
  await run('pnpm', ['--filter', '@clef-sh/agent', 'build'], { cwd: ROOT })
  await run('pnpm', ['pack', '--pack-destination', work], { cwd: PACKAGE })
  tarball = join(work, (await readdir(work)).find((f) => f.endsWith('.tgz')) ?? '')
  // An empty folder, as a user starts; npm only (no pnpm, no workspace around it).
  project = join(work, 'project')
  await mkdir(project)
  await writeFile(join(project, 'package.json'), '{"name":"app","private":true}\n')
  const flags = ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball]
  await run('npm', flags, { cwd: project })
})

afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true })
})

describe('the @clef-sh/agent package', () => {
  it('is public, has no dependencies and ships the bundle with its lazily loaded SDKs', async () => {
    const { stdout } = await run('tar', ['tzf', tarball])
    const files = stdout.trim().split('\n').sort()
    expect(files).toContain('package/dist/clef-agent.cjs')
    expect(files).toContain('package/dist/vendor/aws-kms.cjs')
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([])
    const pkg = JSON.parse(
      await readFile(join(project, 'node_modules/@clef-sh/agent/package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string> }
    expect(pkg).toMatchObject({ name: '@clef-sh/agent', bin: { 'clef-agent': 'dist/clef-agent.cjs' } })
    expect(pkg.dependencies ?? {}).toEqual({})
    // The install brought exactly this package: nothing from the workspace, nothing else.
    const installed = await readdir(join(project, 'node_modules'))
    expect(installed.filter((n) => !n.startsWith('.'))).toEqual(['@clef-sh'])
    expect(await readdir(join(project, 'node_modules/@clef-sh'))).toEqual(['agent'])
  })

  it('npx clef-agent --version names the agent and the Node it runs on', async () => {
    const { stdout } = await run('npx', ['clef-agent', '--version'], { cwd: project })
    expect(stdout).toBe(`clef-agent 0.1.0 (node ${process.version})\n`)
  })

  it('npx clef-agent serves an artifact and drains on Ctrl-C', async () => {
    const port = await freePort()
    const proc = spawn('npx', ['clef-agent'], {
      cwd: project,
      env: {
        PATH: process.env['PATH'],
        HOME: work,
        CLEF_AGENT_SOURCE: join(DEMO, 'artifact.json'),
        CLEF_AGENT_AGE_KEY_FILE: join(DEMO, 'demo.agekey'),
        CLEF_AGENT_TOKEN: TOKEN,
        CLEF_AGENT_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, as in a terminal: Ctrl-C signals npx and the agent together.
      detached: true,
    })
    let output = ''
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()))
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<string>((r) => {
      proc.once('exit', (code, signal) => {
        r(`${String(code)} ${String(signal)}`)
      })
    })
    const group = -(proc.pid ?? 0)
    try {
      const until = Date.now() + 30_000
      let res: Response | undefined
      while (res?.status !== 200) {
        if (Date.now() > until || proc.exitCode !== null) throw new Error(`not serving:\n${output}`)
        await new Promise((r) => setTimeout(r, 50))
        res = await fetch(`http://127.0.0.1:${port}/v1/secrets`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        }).catch(() => undefined)
      }
      expect(await res.json()).toMatchObject({ app: { LOG_LEVEL: 'info' } })
      process.kill(group, 'SIGINT')
      const how = await exited
      expect(output).toContain('"msg":"stopping","signal":"SIGINT"')
      expect(output).toContain('"msg":"agent stopped"')
      // npm re-raises the signal once its child (the agent, which exited 0) is done.
      expect(how).toMatch(/^(0 null|null SIGINT)$/)
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) process.kill(group, 'SIGKILL')
    }
  })
})
