// The child process of `clef-agent exec`: started with inherited stdio, stopped with SIGTERM then
// SIGKILL after a grace period, and its end turned into a shell-style exit code.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'

/** A running command. */
export interface Child {
  readonly pid: number | undefined
  /** Resolves the exit code: the child's own, 128 + n when signal n ended it, 127/126 when it could not start. */
  readonly exited: Promise<number>
  /** Sends `signal` if it still runs. */
  signal(signal: NodeJS.Signals): void
  /** SIGTERM, then SIGKILL after `graceMs`; resolves the exit code. */
  stop(graceMs: number): Promise<number>
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  command: string
  args: readonly string[]
  env: Record<string, string>
  /** Where to report a failure to start (never includes the environment). */
  onStartError: (message: string) => void
}

const codeOfSignal = (signal: NodeJS.Signals): number => 128 + constants.signals[signal]

/** Spawns the command with stdio inherited. */
export const startChild = (opts: ChildOptions): Child => {
  const proc = spawn(opts.command, opts.args, { env: opts.env, stdio: 'inherit' })
  let running = true
  const exited = new Promise<number>((resolve) => {
    proc.once('error', (e: NodeJS.ErrnoException) => {
      if (proc.pid !== undefined) return
      running = false
      opts.onStartError(`cannot run ${opts.command}: ${e.code ?? e.message}`)
      resolve(e.code === 'EACCES' ? 126 : 127)
    })
    proc.once('exit', (code, signal) => {
      running = false
      resolve(code ?? (signal === null ? 1 : codeOfSignal(signal)))
    })
  })
  const signal = (sig: NodeJS.Signals): void => {
    if (running) proc.kill(sig)
  }
  const stop = (graceMs: number): Promise<number> => {
    signal('SIGTERM')
    const kill = setTimeout(() => {
      signal('SIGKILL')
    }, graceMs)
    return exited.finally(() => {
      clearTimeout(kill)
    })
  }
  return { pid: proc.pid, exited, signal, stop }
}
