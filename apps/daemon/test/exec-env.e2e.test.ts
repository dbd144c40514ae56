// `clef-agent exec` and the child's environment, through the built bundle: loader and
// interpreter variables are never taken from secrets unless named with --allow-env (logged by
// name only), a SIGTERM at any time during start never leaves a command running with secrets,
// and Ctrl-C in a terminal reaches the command once.
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createAgeKey, packArtifact, startHttpOrigin, tempDir } from '@clef-sh/testing'
import { BUNDLE } from './harness.ts'

const run = promisify(execFile)
const PRINT_ENV = ['node', '-e', 'process.stdout.write(JSON.stringify(process.env))']
const HOSTILE = {
  PATH: '/nonexistent/evil-bin',
  LD_PRELOAD: '/tmp/evil-preload.so',
  NODE_OPTIONS: '--no-deprecation',
  BASH_ENV: '/tmp/evil-bash-env',
  DYLD_INSERT_LIBRARIES: '/tmp/evil.dylib',
  GOOD: 'fine',
}

const artifactWith = async (values: Record<string, Record<string, string>>) => {
  const dir = await tempDir()
  const key = await createAgeKey()
  const file = dir.file('artifact.json')
  const text = await packArtifact({ values, recipient: key.recipient })
  await writeFile(file, text)
  return { dir, text, env: { CLEF_AGENT_SOURCE: file, CLEF_AGENT_AGE_KEY: key.identity } }
}

const baseEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/' }

describe('exec: the child environment', () => {
  it('never sets loader or interpreter variables from secrets, names them only, and honours --allow-env', async () => {
    const a = await artifactWith({ app: HOSTILE })
    await using _dir = a.dir
    const out = await run(process.execPath, [BUNDLE, 'exec', '--no-prefix', '--', ...PRINT_ENV], {
      env: { ...baseEnv, ...a.env },
    })
    const env = JSON.parse(out.stdout) as Record<string, string | undefined>
    expect(env['PATH']).toBe(baseEnv.PATH)
    for (const name of ['LD_PRELOAD', 'NODE_OPTIONS', 'BASH_ENV', 'DYLD_INSERT_LIBRARIES']) {
      expect(env[name]).toBeUndefined()
      expect(out.stderr).toContain(name)
    }
    expect(env['GOOD']).toBe('fine')
    for (const value of Object.values(HOSTILE)) {
      if (value !== 'fine') expect(out.stderr).not.toContain(value)
    }

    const allowed = await run(
      process.execPath,
      [BUNDLE, 'exec', '--no-prefix', '--allow-env', 'NODE_OPTIONS', '--', ...PRINT_ENV],
      { env: { ...baseEnv, ...a.env } },
    )
    const env2 = JSON.parse(allowed.stdout) as Record<string, string | undefined>
    expect(env2['NODE_OPTIONS']).toBe('--no-deprecation')
    expect(env2['LD_PRELOAD']).toBeUndefined()
  })
})

describe('exec: signals during start', () => {
  it('a SIGTERM while the secrets load ends exec with 143 and never starts the command', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const text = await packArtifact({ values: { app: { V: 'x' } }, recipient: key.recipient })
    await using origin = await startHttpOrigin({ body: text })
    origin.delayMs = 5000
    const marker = dir.file('started')
    const proc = spawn(
      process.execPath,
      [BUNDLE, 'exec', '--', 'node', '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`],
      {
        env: { ...baseEnv, CLEF_AGENT_SOURCE: origin.url, CLEF_AGENT_AGE_KEY: key.identity },
        stdio: 'ignore',
      },
    )
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve))
    const until = Date.now() + 5000
    while (origin.stats.requests === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    const sent = Date.now()
    proc.kill('SIGTERM')
    expect(await exited).toBe(143)
    expect(Date.now() - sent).toBeLessThan(3000)
    await new Promise((r) => setTimeout(r, 200))
    expect(existsSync(marker)).toBe(false)
  })

  it('a SIGTERM right as the command starts reaches the command: none is left running', async () => {
    const a = await artifactWith({ app: { V: 'x' } })
    await using _dir = a.dir
    // The command signals exec the moment it runs, then would live on for 5 s holding secrets.
    const script =
      "console.log(process.pid); process.kill(process.ppid, 'SIGTERM'); setTimeout(() => {}, 5000)"
    const proc = spawn(process.execPath, [BUNDLE, 'exec', '--', 'node', '-e', script], {
      env: { ...baseEnv, ...a.env },
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    let stdout = ''
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve))
    expect(code).toBe(143)
    const pid = Number(stdout.trim())
    expect(pid).toBeGreaterThan(0)
    const alive = (): boolean => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    expect(alive()).toBe(false)
  })
})

describe('exec: Ctrl-C in a terminal', () => {
  it('reaches the command once', async () => {
    const a = await artifactWith({ app: { V: 'x' } })
    await using _dir = a.dir
    const script =
      "let n = 0; process.on('SIGINT', () => n++); console.log('ready'); setTimeout(() => { console.log('count=' + n); process.exit(0) }, 1500)"
    const inner = [process.execPath, BUNDLE, 'exec', '--', 'node', '-e', script]
      .map((s) => `'${s.replace(/'/g, `'\\''`)}'`)
      .join(' ')
    // script(1) gives exec a pseudo-terminal; ^C written to it is the terminal's Ctrl-C.
    const proc = spawn('script', ['-qec', inner, '/dev/null'], {
      env: { ...baseEnv, ...a.env },
      stdio: ['pipe', 'pipe', 'ignore'],
    })
    let out = ''
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve))
    const until = Date.now() + 10_000
    while (!out.includes('ready') && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    proc.stdin.write('\x03')
    await exited
    expect(out).toMatch(/count=1\b/)
  })
})
