// Runs the built extension (the bundle, or the layer's launcher) as a child process against the
// fake Lambda API, and talks to its HTTP API as the function would.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort } from '@clef-sh/testing'

/** The built extension bundle (`pnpm build` writes it). */
export const BUNDLE: string = fileURLToPath(new URL('../dist/clef-agent-lambda.cjs', import.meta.url))
export const TOKEN = 'lambda-test-token-0123456789'

/** A running extension process. Disposing it kills it. */
export interface ExtensionProcess extends AsyncDisposable {
  readonly proc: ChildProcess
  readonly port: number
  readonly exited: Promise<number | null>
  output(): string
  get(path: string): Promise<{ status: number; json: unknown }>
}

/** Spawns `command args` (default: node + the bundle) with the Lambda and agent environment. */
export const startExtension = async (opts: {
  runtimeApi: string
  env: Record<string, string>
  command?: string
  args?: string[]
}): Promise<ExtensionProcess> => {
  const port = await freePort()
  const proc = spawn(opts.command ?? process.execPath, opts.args ?? [BUNDLE], {
    env: {
      PATH: process.env['PATH'],
      TMPDIR: process.env['TMPDIR'],
      AWS_LAMBDA_RUNTIME_API: opts.runtimeApi,
      CLEF_AGENT_PORT: String(port),
      CLEF_AGENT_TOKEN: TOKEN,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', resolve)
  })
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) }
  }
  return {
    proc,
    port,
    exited,
    output: () => out,
    get,
    [Symbol.asyncDispose]: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
      await exited
    },
  }
}
