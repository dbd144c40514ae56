// Signal handling of `clef-agent exec`, installed before anything asynchronous: a SIGTERM that
// arrives while the secrets load must end exec without ever starting the command (no child may be
// left running with secrets), and once the command runs every signal is passed on to it, once.
import type { Child } from './child.ts'

// Every signal a supervisor or a terminal may send that the command should see instead of us.
const FORWARDED: readonly NodeJS.Signals[] = [
  'SIGTERM',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
]

// Before the command starts, these end exec.
const ENDING: ReadonlySet<NodeJS.Signals> = new Set(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'])

// A terminal sends these to its whole foreground process group, the command included: passing
// them on as well would deliver Ctrl-C twice.
const FROM_TERMINAL: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGQUIT', 'SIGWINCH'])

/** Signal forwarding for one exec run. */
export interface Forwarder {
  /** The command signals go to from now on. */
  attach(child: Child): void
  /** The ending signal received before a command was attached, if any. */
  pending(): NodeJS.Signals | undefined
  /** Resolves with that signal when one arrives before a command was attached. */
  readonly beforeStart: Promise<NodeJS.Signals>
}

/**
 * Installs the handlers now. `terminal` (stdin is a TTY, so exec and the command share the
 * terminal's foreground process group): SIGINT, SIGQUIT and SIGWINCH already reach the command
 * from the terminal and are not sent again.
 */
export const forwardSignals = ({ terminal }: { terminal: boolean }): Forwarder => {
  let child: Child | undefined
  let pending: NodeJS.Signals | undefined
  let onEnding: (sig: NodeJS.Signals) => void = () => undefined
  const beforeStart = new Promise<NodeJS.Signals>((resolve) => (onEnding = resolve))
  for (const sig of FORWARDED) {
    process.on(sig, () => {
      if (child !== undefined) {
        if (!(terminal && FROM_TERMINAL.has(sig))) child.signal(sig)
      } else if (ENDING.has(sig) && pending === undefined) {
        pending = sig
        onEnding(sig)
      }
    })
  }
  return {
    attach: (c) => {
      child = c
    },
    pending: () => pending,
    beforeStart,
  }
}
