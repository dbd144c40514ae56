// Issue 18 item 1: SIGTERM ends the daemon within its drain deadline whatever the source does: an
// origin that accepts and never answers (HTTP, GitHub, S3), during the first load and during a
// refresh, and a file read stuck in libuv's threadpool (a hung mount), which node cannot cancel
// and which would otherwise hold process.exit() forever.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startHttpOrigin, tempDir, vector, vectorPath, vectorText } from '@clef-sh/testing'
import { startDaemon, waitLoaded, type Daemon } from './harness.ts'

const AGE_BASIC = vector('age-basic')
const AGE_KEY = AGE_BASIC.ageKey ?? ''
// packages/shell/src/signals.ts SHUTDOWN_DEADLINE_MS, plus the time a loaded machine needs to
// deliver the signal and reap the process.
const DEADLINE_MS = 4500
const WITHIN_MS = DEADLINE_MS + 1000

/** A TCP server that accepts every connection and never sends a byte. */
const startBlackHole = async (): Promise<AsyncDisposable & { url: string; accepted: () => number }> => {
  const sockets = new Set<Socket>()
  const server = createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    accepted: () => sockets.size,
    [Symbol.asyncDispose]: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

interface Stopped {
  ms: number
  code: number | null
  signal: NodeJS.Signals | null
}

/**
 * Sends SIGTERM and resolves how long the daemon took to exit and how it ended (`ms` Infinity:
 * still running after twice the bound).
 */
const terminate = async (d: Daemon): Promise<Stopped> => {
  const started = Date.now()
  const ended = new Promise<Stopped>((resolve) => {
    d.proc.once('exit', (code, signal) => {
      resolve({ ms: Date.now() - started, code, signal })
    })
    setTimeout(() => {
      resolve({ ms: Infinity, code: null, signal: null })
    }, 2 * WITHIN_MS).unref()
  })
  d.proc.kill('SIGTERM')
  return ended
}

const logLines = (d: Daemon): { msg?: string; level?: string; [k: string]: unknown }[] =>
  d
    .output()
    .trim()
    .split('\n')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { msg?: string }]
      } catch {
        return []
      }
    })

/** Waits until `check` holds (polling), at most 5 s. */
const until = async (check: () => boolean): Promise<void> => {
  const end = Date.now() + 5000
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const stalled = {
  http: (hole: string) => ({ CLEF_AGENT_SOURCE: `${hole}/artifact.json` }),
  github: (hole: string) => ({
    CLEF_AGENT_VCS_PROVIDER: 'github',
    CLEF_AGENT_VCS_REPO: 'acme/clef-secrets',
    CLEF_AGENT_VCS_TOKEN: 'vcs-token-0123456789',
    CLEF_AGENT_VCS_IDENTITY: 'api-gateway',
    CLEF_AGENT_VCS_ENVIRONMENT: 'production',
    CLEF_AGENT_VCS_API_URL: hole,
  }),
  s3: (hole: string) => ({
    CLEF_AGENT_SOURCE: 's3://clef-artifacts/api/production.age.json',
    AWS_ENDPOINT_URL_S3: hole,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDSHUTDOWNTEST',
    AWS_SECRET_ACCESS_KEY: 'shutdown-test-secret',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }),
} as const

describe('SIGTERM while a fetch is stuck', () => {
  it.each(['http', 'github', 's3'] as const)(
    'exits within the drain deadline during the first load from a %s origin that never answers',
    async (kind) => {
      await using hole = await startBlackHole()
      await using d = await startDaemon({ ...stalled[kind](hole.url), CLEF_AGENT_AGE_KEY: AGE_KEY })
      await until(() => hole.accepted() > 0)
      const stopped = await terminate(d)
      expect(stopped.ms).toBeLessThan(WITHIN_MS)
      expect([stopped.code, stopped.signal]).toEqual([0, null])
      expect(logLines(d).map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']))
    },
  )

  it('exits within the drain deadline during a refresh whose origin stops answering', async () => {
    await using origin = await startHttpOrigin({ body: vectorText(AGE_BASIC) })
    await using d = await startDaemon({ CLEF_AGENT_SOURCE: origin.url, CLEF_AGENT_AGE_KEY: AGE_KEY })
    await waitLoaded(d)
    origin.delayMs = 60_000
    origin.reset()
    const refresh = d.get('/v1/refresh', { method: 'POST' }).catch(() => undefined)
    await until(() => origin.stats.requests > 0)
    const stopped = await terminate(d)
    await refresh
    expect(stopped.ms).toBeLessThan(WITHIN_MS)
    expect([stopped.code, stopped.signal]).toEqual([0, null])
    expect(logLines(d).map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']))
  })

  it('exits within the drain deadline while file reads hang in the threadpool (a hung mount)', async () => {
    await using dir = await tempDir()
    // Every libuv threadpool thread blocks opening a FIFO nobody writes to, as reads of a hung
    // network mount do: the file source's read then waits behind them and cannot be cancelled.
    const fifo = join(dir.path, 'hung-mount')
    execFileSync('mkfifo', [fifo])
    const preload = join(dir.path, 'hang-threadpool.cjs')
    writeFileSync(
      preload,
      `for (let i = 0; i < 4; i++) require('node:fs').readFile(${JSON.stringify(fifo)}, () => {})\n`,
    )
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: vectorPath(AGE_BASIC),
      CLEF_AGENT_AGE_KEY: AGE_KEY,
      UV_THREADPOOL_SIZE: '4',
      NODE_OPTIONS: `--require ${preload}`,
    })
    const ready = (await d.get('/v1/ready', { auth: false })).json as { reason?: string }
    expect(ready.reason).toBe('not_loaded')
    const stopped = await terminate(d)
    expect(stopped.ms).toBeLessThan(WITHIN_MS)
    // Nothing can make node's exit wait for those threads: the process ends by the signal.
    expect([stopped.code, stopped.signal]).toEqual([null, 'SIGTERM'])
    const last = logLines(d).at(-1)
    expect(last).toMatchObject({ msg: 'stopped at the drain deadline', level: 'warn', signal: 'SIGTERM' })
    expect(last?.['blocked']).toBeGreaterThan(0)
  })
})
