// `clef-agent exec` against a source that blips, through the built bundle and a real origin: a
// transient failure (refused connections, 5xx) is retried with backoff until the source is back,
// a source that stays down is given up on after CLEF_AGENT_EXEC_RETRY_FOR, and a failure that
// waiting cannot fix (a key that does not match) ends exec at once.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { createAgeKey, packArtifact, startHttpOrigin } from '@clef-sh/testing'
import { BUNDLE } from './harness.ts'

const PRINT_V = ['node', '-e', 'process.stdout.write(String(process.env.app__V))']

/** Starts `clef-agent exec -- cmd`: its end (code, stdout, stderr, duration) and its stderr so far. */
const startExec = (cmd: string[], env: Record<string, string>) => {
  const t0 = Date.now()
  const proc = spawn(process.execPath, [BUNDLE, 'exec', '--', ...cmd], {
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const ended = new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>(
    (resolve) => {
      proc.once('exit', (code) => {
        resolve({ code, stdout, stderr, ms: Date.now() - t0 })
      })
    },
  )
  /** Resolves once a line of stderr matches `pattern` (fails after 15 s or when exec ended). */
  const waitForLog = async (pattern: RegExp): Promise<void> => {
    const until = Date.now() + 15_000
    while (!stderr.split('\n').some((l) => pattern.test(l))) {
      if (proc.exitCode !== null || Date.now() > until) throw new Error(`no ${String(pattern)}:\n${stderr}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  return { ended, waitForLog, kill: () => proc.kill('SIGKILL') }
}

const execOnce = (cmd: string[], env: Record<string, string>) => startExec(cmd, env).ended

/** The JSON log lines of `stderr`. */
const lines = (stderr: string): Record<string, unknown>[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)

const packedFor = async (values: Record<string, Record<string, string>>) => {
  const key = await createAgeKey()
  return { key, text: await packArtifact({ values, recipient: key.recipient }) }
}

describe('exec rides out a transient failure', () => {
  it('retries while the origin refuses connections, then answers 500, and runs the command once it serves', async () => {
    const { key, text } = await packedFor({ app: { V: 'after-the-blip' } })
    await using origin = await startHttpOrigin({ body: text })
    await origin.stop()
    const exec = startExec(PRINT_V, { CLEF_AGENT_SOURCE: origin.url, CLEF_AGENT_AGE_KEY: key.identity })
    try {
      // Down (connection refused) until exec retried it, then up but failing (500) until exec
      // retried that too, then serving: each phase lasts at least one backoff delay.
      await exec.waitForLog(/retrying.*ECONNREFUSED.*"attempt":2,/)
      origin.failWith(500)
      await origin.restart()
      await exec.waitForLog(/retrying.*500/)
      origin.failWith(null)
    } catch (e) {
      exec.kill()
      throw e
    }
    const run = await exec.ended
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe('after-the-blip')
    const retries = lines(run.stderr).filter((l) => l['msg'] === 'secrets not loaded yet: retrying')
    expect(retries.length).toBeGreaterThanOrEqual(2)
    expect(new Set(retries.map((l) => l['code']))).toEqual(new Set(['source_unreachable']))
    // Both kinds of failure were seen and retried: refused, then the 500.
    expect(retries.some((l) => String(l['message']).includes('ECONNREFUSED'))).toBe(true)
    expect(retries.some((l) => String(l['message']).includes('500'))).toBe(true)
    for (const l of retries) expect(l['retryInMs']).toEqual(expect.any(Number))
    expect(run.stderr).not.toContain('after-the-blip')
  })

  it('gives up after CLEF_AGENT_EXEC_RETRY_FOR on an origin that stays down, saying so', async () => {
    const { key, text } = await packedFor({ app: { V: 'never' } })
    await using origin = await startHttpOrigin({ body: text })
    await origin.stop()
    const run = await execOnce(PRINT_V, {
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_EXEC_RETRY_FOR: '2',
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.ms).toBeGreaterThanOrEqual(2000)
    expect(run.ms).toBeLessThan(8000)
    const last = lines(run.stderr).at(-1) ?? {}
    expect(last['level']).toBe('error')
    expect(last['code']).toBe('source_unreachable')
    expect(last['msg']).toMatch(/gave up after \d+ attempts over 2(\.\d)? s: source_unreachable/)
    expect(last['hint']).toContain('raise CLEF_AGENT_EXEC_RETRY_FOR')
    expect(last['hint']).toContain('retried for 2 s')
  })

  it('exits at once, without retrying, when the key matches no recipient', async () => {
    const { text } = await packedFor({ app: { V: 'not-for-you' } })
    const other = await createAgeKey()
    await using origin = await startHttpOrigin({ body: text })
    const run = await execOnce(PRINT_V, { CLEF_AGENT_SOURCE: origin.url, CLEF_AGENT_AGE_KEY: other.identity })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(origin.stats.requests).toBe(1)
    expect(run.stderr).not.toContain('retrying')
    expect(lines(run.stderr).at(-1)?.['code']).toBe('decrypt')
  })

  it('does not retry with CLEF_AGENT_EXEC_RETRY_FOR=0', async () => {
    const { key, text } = await packedFor({ app: { V: 'x' } })
    await using origin = await startHttpOrigin({ body: text })
    origin.failWith(503)
    const run = await execOnce(PRINT_V, {
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_EXEC_RETRY_FOR: '0',
    })
    expect(run.code).toBe(1)
    expect(origin.stats.requests).toBe(1)
    expect(run.stderr).not.toContain('retrying')
    const last = lines(run.stderr).at(-1) ?? {}
    expect(last['msg']).toMatch(/gave up after 1 attempt over \d+(\.\d)? s: source_unreachable/)
    expect(last['hint']).toContain('retries are off (CLEF_AGENT_EXEC_RETRY_FOR=0)')
  })
})
