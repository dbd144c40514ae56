// `clef-agent exec` through the built bundle, with real child processes: the environment the
// command sees, signal forwarding, exit codes, and --watch restarts on a new revision.
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { createAgeKey, packArtifact, tempDir, vector, vectorPath } from '@clef-sh/testing'
import { BUNDLE } from './harness.ts'

const basic = vector('age-basic')
const multi = vector('age-multi-namespace')
const envOf = (v: typeof basic): Record<string, string> => ({
  CLEF_AGENT_SOURCE: vectorPath(v),
  CLEF_AGENT_AGE_KEY: v.ageKey ?? '',
})

/** A running `clef-agent exec`, stdout and stderr kept apart (stdout belongs to the command). */
const startExec = (args: string[], env: Record<string, string>) => {
  const proc = spawn(process.execPath, [BUNDLE, 'exec', ...args], {
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], PARENT_ONLY: 'kept', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', resolve)
  })
  const waitForOutput = async (text: string, timeoutMs = 15_000): Promise<void> => {
    const until = Date.now() + timeoutMs
    while (!stdout.includes(text)) {
      if (Date.now() > until) throw new Error(`no "${text}" after ${timeoutMs} ms:\n${stdout}\n${stderr}`)
      if (proc.exitCode !== null)
        throw new Error(`exited ${proc.exitCode} before "${text}":\n${stdout}\n${stderr}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  return {
    proc,
    exited,
    waitForOutput,
    out: () => ({ stdout, stderr }),
    [Symbol.asyncDispose]: async () => {
      if (proc.exitCode === null) proc.kill('SIGKILL')
      await exited
    },
  }
}

const PRINT_ENV = ['node', '-e', 'process.stdout.write(JSON.stringify(process.env))']

describe('clef-agent exec', () => {
  it('gives the command every secret as NS__KEY, keeps the caller env, hides CLEF_AGENT_*', async () => {
    await using run = startExec(['--', ...PRINT_ENV], envOf(multi))
    expect(await run.exited).toBe(0)
    const env = JSON.parse(run.out().stdout) as Record<string, string>
    const expected = multi.expect.ok ? multi.expect.values : {}
    for (const [ns, keys] of Object.entries(expected)) {
      for (const [key, value] of Object.entries(keys)) expect(env[`${ns}__${key}`]).toBe(value)
    }
    expect(env['PARENT_ONLY']).toBe('kept')
    expect(Object.keys(env).filter((k) => k.startsWith('CLEF_AGENT_'))).toEqual([])
    expect(run.out().stderr).not.toContain('sk_test_OTh2nSiM9zouLKON6Nzx')
  })

  it('uses bare names with --no-prefix, and refuses when a key is in several namespaces', async () => {
    await using bare = startExec(['--no-prefix', ...PRINT_ENV], envOf(basic))
    expect(await bare.exited).toBe(0)
    const env = JSON.parse(bare.out().stdout) as Record<string, string>
    expect([env['DATABASE_URL'], env['API_KEY'], env['app__API_KEY']]).toEqual([
      'postgres://app:s3cr3t@db.internal:5432/app',
      'sk_live_LN8UQoTy4wakPjCopbnIJ0jl',
      undefined,
    ])

    await using dir = await tempDir()
    const key = await createAgeKey()
    const file = dir.file('a.json')
    await writeFile(
      file,
      await packArtifact({ values: { a: { DUP: '1' }, b: { DUP: '2' } }, recipient: key.recipient }),
    )
    await using dup = startExec(['--no-prefix', ...PRINT_ENV], {
      CLEF_AGENT_SOURCE: file,
      CLEF_AGENT_AGE_KEY: key.identity,
    })
    expect(await dup.exited).toBe(1)
    expect(dup.out().stderr).toMatch(/key_ambiguous.*DUP/)
    expect(dup.out().stdout).toBe('')
  })

  it("returns the command's exit code, 127 for a missing command, 1 when nothing can be loaded", async () => {
    await using code = startExec(['node', '-e', 'process.exit(42)'], envOf(basic))
    expect(await code.exited).toBe(42)
    await using missing = startExec(['--', 'no-such-command-clef'], envOf(basic))
    expect(await missing.exited).toBe(127)
    const wrongKey = vector('wrong-age-key')
    await using refused = startExec(PRINT_ENV, envOf(wrongKey))
    expect(await refused.exited).toBe(1)
    expect(refused.out().stderr).toContain('decrypt')
    expect(refused.out().stdout).toBe('')
  })

  it('forwards signals to the command and exits with its code', async () => {
    const script = [
      "process.on('SIGUSR1', () => console.log('got USR1'))",
      "process.on('SIGHUP', () => console.log('got HUP'))",
      "process.on('SIGTERM', () => { console.log('got TERM'); process.exit(7) })",
      "console.log('ready'); setInterval(() => {}, 1000)",
    ].join(';')
    await using run = startExec(['node', '-e', script], envOf(basic))
    await run.waitForOutput('ready')
    run.proc.kill('SIGUSR1')
    await run.waitForOutput('got USR1')
    run.proc.kill('SIGHUP')
    await run.waitForOutput('got HUP')
    run.proc.kill('SIGTERM')
    expect(await run.exited).toBe(7)
    expect(run.out().stdout).toContain('got TERM')
  })

  it('reports death by signal as 128 + n', async () => {
    await using run = startExec(['node', '-e', "process.kill(process.pid, 'SIGKILL')"], envOf(basic))
    expect(await run.exited).toBe(137)
  })

  it('--watch restarts the command with the new secrets when a new revision arrives', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const file = dir.file('artifact.json')
    await writeFile(file, await packArtifact({ values: { app: { V: 'one' } }, recipient: key.recipient }))
    const script = [
      'console.log(`value=${process.env.app__V}`)',
      "process.on('SIGTERM', () => { console.log('stopping ' + process.env.app__V); process.exit(3) })",
      'setInterval(() => {}, 1000)',
    ].join(';')
    await using run = startExec(['--watch', '--', 'node', '-e', script], {
      CLEF_AGENT_SOURCE: file,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_CACHE_TTL: '30',
    })
    await run.waitForOutput('value=one')
    await writeFile(file, await packArtifact({ values: { app: { V: 'two' } }, recipient: key.recipient }))
    // TTL 30 s polls every 5 s (the floor), with ±10 % jitter.
    await run.waitForOutput('value=two', 9000)
    expect(run.out().stdout).toContain('stopping one')
    expect(run.out().stderr).toContain('new revision: restarting the command')
    run.proc.kill('SIGTERM')
    expect(await run.exited).toBe(3)
    expect(run.out().stdout).toContain('stopping two')
  }, 20_000)
})
