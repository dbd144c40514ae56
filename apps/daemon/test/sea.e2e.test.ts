// The standalone binary (`pnpm build:sea`): a Node single executable that needs nothing
// installed. Built once per run from the current bundle (about 100 MB, kept in dist/, never
// committed), then driven like a user would: --version, --help, serving age-basic, exec, the demo.
import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { chmod, copyFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import SEA_NODE from '../../../scripts/sea-node.json' with { type: 'json' }
import { beforeAll, describe, expect, it } from 'vitest'
import { freePort, startFakeLambda, tempDir, vector, vectorPath } from '@clef-sh/testing'
import pkg from '../package.json' with { type: 'json' }
import { DEMO_SECRETS, runDemo } from './demo-run.ts'
import { BUNDLE, spawnCapturing, startAsExtension, TEST_TOKEN } from './harness.ts'

const SEA = fileURLToPath(new URL('../dist/clef-agent', import.meta.url))
const BUILD = fileURLToPath(new URL('../build.mjs', import.meta.url))
const run = promisify(execFile)
const basic = vector('age-basic')
// A clean environment: no NODE_OPTIONS or PATH entries the binary could lean on but node itself.
const env = { PATH: '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/' }

const upToDate = (): boolean => existsSync(SEA) && statSync(SEA).mtimeMs >= statSync(BUNDLE).mtimeMs

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run pnpm build first`)
  if (!upToDate()) await run(process.execPath, [BUILD, '--sea-only'])
}, 180_000)

describe('the single executable', () => {
  it('is a standalone binary on the pinned Node 24 that takes every argument itself: --version and --help', async () => {
    expect(statSync(SEA).size).toBeGreaterThan(50 * 1024 * 1024)
    const version = await run(SEA, ['--version'], { env })
    // The agent's version and the Node it carries: the pinned LTS, whatever Node ran the build.
    expect(SEA_NODE.version).toMatch(/^24\./)
    expect(version.stdout).toBe(`clef-agent ${pkg.version} (node v${SEA_NODE.version})\n`)
    const help = await run(SEA, ['--help'], { env })
    expect(help.stdout).toContain('clef-agent exec')
    expect(help.stderr).not.toContain('ExperimentalWarning')
  })

  // JIT mode decrypts in worker threads started from source text: they must run in a SEA too.
  it.each(['300', '0'])('serves age-basic (CLEF_AGENT_CACHE_TTL=%s) and exits 0 on SIGTERM', async (ttl) => {
    const port = await freePort()
    const { proc, output, exited } = spawnCapturing(SEA, [], {
      env: {
        ...env,
        CLEF_AGENT_SOURCE: vectorPath(basic),
        CLEF_AGENT_AGE_KEY: basic.ageKey ?? '',
        CLEF_AGENT_TOKEN: TEST_TOKEN,
        CLEF_AGENT_PORT: String(port),
        CLEF_AGENT_CACHE_TTL: ttl,
      },
    })
    try {
      const until = Date.now() + 10_000
      let res: Response | undefined
      while (res?.status !== 200) {
        if (Date.now() > until || proc.exitCode !== null) throw new Error(`not serving:\n${output()}`)
        await new Promise((r) => setTimeout(r, 25))
        res = await fetch(`http://127.0.0.1:${port}/v1/secrets`, {
          headers: { authorization: `Bearer ${TEST_TOKEN}` },
        }).catch(() => undefined)
      }
      expect(await res.json()).toEqual(basic.expect.ok ? basic.expect.values : null)
      proc.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(output()).not.toContain(basic.ageKey ?? 'no key')
    } finally {
      proc.kill('SIGKILL')
    }
  })

  it('runs exec with the secrets in the command environment', async () => {
    const { stdout } = await run(SEA, ['exec', '--', 'sh', '-c', 'printf %s "$app__LOG_LEVEL"'], {
      env: { ...env, CLEF_AGENT_SOURCE: vectorPath(basic), CLEF_AGENT_AGE_KEY: basic.ageKey ?? '' },
    })
    expect(stdout).toBe('info')
  })

  it('runs as the Lambda extension when Lambda starts it', async () => {
    await using lambda = await startFakeLambda()
    await using ext = await startAsExtension(lambda.runtimeApi, SEA)
    await lambda.initDone()
    expect(await ext.secrets()).toEqual(basic.expect.ok ? basic.expect.values : null)
    lambda.shutdown({ deadlineInMs: 1500 })
    expect(await ext.exited).toBe(0)
  })

  it('runs the embedded demo from a copy in an empty directory', async () => {
    await using dir = await tempDir()
    await copyFile(SEA, dir.file('clef-agent'))
    await chmod(dir.file('clef-agent'), 0o755)
    const demo = await runDemo(dir.path, dir.file('clef-agent'))
    expect([demo.status, demo.secrets, demo.code]).toEqual([200, DEMO_SECRETS, 0])
  })
})
