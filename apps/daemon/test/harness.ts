// Runs the real, built `clef-agent` bundle as a child process and talks to it over HTTP, so the
// end-to-end tests see exactly what a user sees.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freePort, vector, vectorPath } from '@clef-sh/testing'

/** A spawned process whose stdout and stderr are collected. */
export interface Captured {
  readonly proc: ChildProcess
  /** Everything it wrote to stdout and stderr so far. */
  readonly output: () => string
  /** Resolves its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>
}

/** Spawns `command` with stdin closed, collecting stdout and stderr. */
export const spawnCapturing = (command: string, args: readonly string[], options: SpawnOptions): Captured => {
  const proc = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      resolve(code)
    })
  })
  return { proc, output: () => out, exited }
}

/** The built daemon bundle (`pnpm build` writes it). */
export const BUNDLE: string = fileURLToPath(new URL('../dist/clef-agent.cjs', import.meta.url))

/** An HTTP answer, body parsed as JSON when it is JSON. */
export interface Answer {
  status: number
  headers: Headers
  text: string
  json: unknown
}

/** A running daemon. Disposing it kills it. */
export interface Daemon extends AsyncDisposable {
  readonly port: number
  readonly token: string
  readonly proc: ChildProcess
  /** Everything the daemon wrote to stdout and stderr so far. */
  output(): string
  get(path: string, opts?: { auth?: boolean; method?: string }): Promise<Answer>
  /** Polls `check` until it returns true or `timeoutMs` passes (then throws with the output). */
  waitFor(check: () => Promise<boolean>, timeoutMs?: number): Promise<void>
  /** Sends `signal` and resolves the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export const TEST_TOKEN = 'test-token-0123456789abcdef'

const baseEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'],
  HOME: process.env['HOME'],
  TMPDIR: process.env['TMPDIR'],
})

/** Another user to run the daemon as (the harness runs as root in CI and in the dev container). */
export interface RunAs {
  uid: number
  gid: number
}

/** Spawns the daemon with `env` (plus a port and token) and waits until it listens. */
export const startDaemon = async (
  env: Record<string, string>,
  opts: { args?: string[]; as?: RunAs } = {},
): Promise<Daemon> => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run pnpm build first`)
  const port = env['CLEF_AGENT_PORT'] !== undefined ? Number(env['CLEF_AGENT_PORT']) : await freePort()
  const token = env['CLEF_AGENT_TOKEN'] ?? TEST_TOKEN
  const { proc, output, exited } = spawnCapturing(process.execPath, [BUNDLE, ...(opts.args ?? [])], {
    env: { ...baseEnv(), CLEF_AGENT_PORT: String(port), CLEF_AGENT_TOKEN: token, ...env },
    ...opts.as,
  })

  const get = async (path: string, o: { auth?: boolean; method?: string } = {}): Promise<Answer> => {
    const headers: Record<string, string> = o.auth === false ? {} : { authorization: `Bearer ${token}` }
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: o.method ?? 'GET', headers })
    const text = await res.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: res.status, headers: res.headers, text, json }
  }

  const waitFor = async (check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
    const until = Date.now() + timeoutMs
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`daemon exited with ${proc.exitCode}:\n${output()}`)
      if (await check().catch(() => false)) return
      if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms; daemon output:\n${output()}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (proc.exitCode === null) proc.kill(signal)
    return exited
  }

  const daemon: Daemon = {
    port,
    token,
    proc,
    output,
    get,
    waitFor,
    stop,
    [Symbol.asyncDispose]: async () => {
      if (proc.exitCode === null) proc.kill('SIGKILL')
      await exited
    },
  }
  await waitFor(async () => (await get('/v1/health', { auth: false })).status === 200)
  return daemon
}

/** Waits until the daemon's first load attempt ended: ready, or not ready for a reason other than not_loaded. */
export const waitLoaded = (d: Daemon): Promise<void> =>
  d.waitFor(async () => {
    const ready = (await d.get('/v1/ready', { auth: false })).json as { ready: boolean; reason?: string }
    return ready.ready || ready.reason !== 'not_loaded'
  })

/** Runs the daemon to completion (for commands that exit) and returns code and output. */
export const runDaemon = (
  args: string[],
  env: Record<string, string>,
  as?: RunAs,
): Promise<{ code: number | null; output: string }> => {
  const run = spawnCapturing(process.execPath, [BUNDLE, ...args], { env: { ...baseEnv(), ...env }, ...as })
  return run.exited.then((code) => ({ code, output: run.output() }))
}

const AGE_BASIC = vector('age-basic')

/** The daemon started as Lambda starts an extension, serving the age-basic vector. */
export interface ExtensionProcess extends AsyncDisposable {
  readonly exited: Promise<number | null>
  secrets(): Promise<unknown>
  output(): string
}

/** Spawns the daemon bundle (or the executable `command`) with AWS_LAMBDA_RUNTIME_API set, plus `env`. */
export const startAsExtension = async (
  runtimeApi: string,
  command?: string,
  env: Record<string, string> = {},
): Promise<ExtensionProcess> => {
  const port = await freePort()
  const { proc, output, exited } = spawnCapturing(
    command ?? process.execPath,
    command === undefined ? [BUNDLE] : [],
    {
      env: {
        PATH: process.env['PATH'],
        AWS_LAMBDA_RUNTIME_API: runtimeApi,
        CLEF_AGENT_SOURCE: vectorPath(AGE_BASIC),
        CLEF_AGENT_AGE_KEY: AGE_BASIC.ageKey ?? '',
        CLEF_AGENT_PORT: String(port),
        CLEF_AGENT_TOKEN: TEST_TOKEN,
        ...env,
      },
    },
  )
  const secrets = async (): Promise<unknown> =>
    (
      await fetch(`http://127.0.0.1:${port}/v1/secrets`, {
        headers: { authorization: `Bearer ${TEST_TOKEN}` },
      })
    ).json()
  return {
    exited,
    secrets,
    output,
    [Symbol.asyncDispose]: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
      await exited
    },
  }
}
