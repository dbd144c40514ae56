// The `clef-agent` commands by name: argv → the command's module. Shared by the daemon's entry
// and the sidecar image's entry, which differ only in defaults.
import { missingBundledFiles } from './bundled-files.ts'
import { EXEC_HELP, HELP, parseArgs } from './cli.ts'
import { demoEnv } from './demo.ts'
import { runHealthcheck } from './healthcheck.ts'
import { runAgent } from './run.ts'
import { fatal, logFormatOf, usageError } from './startup.ts'

/** Exits 1 naming every side file of the node bundle that is missing (none: returns). */
const checkBundledFiles = (env: NodeJS.ProcessEnv): void => {
  const missing = missingBundledFiles()
  if (missing !== undefined) fatal(logFormatOf(env), missing)
}

/** What the entry that runs the commands knows about itself. */
export interface CliOptions {
  /** Printed by `--version`. */
  version: string
}

/**
 * Runs the command of `argv` (without node and script) with the environment `env`. Long-running
 * commands own the process from then on (signals, exit); short ones resolve after writing.
 */
export const runCli = async (
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: CliOptions,
): Promise<void> => {
  const command = parseArgs(argv)
  switch (command.kind) {
    case 'run':
      // The demo's embedded artifact needs no side file, so it runs from the bundle alone.
      if (!command.demo) checkBundledFiles(env)
      return runAgent(command.demo ? demoEnv(env) : env, command.demo)
    case 'exec': {
      checkBundledFiles(env)
      // Loaded only for exec: the agent's own start skips its modules (child processes, retries).
      const { runExec } = await import('./exec/run-exec.ts')
      return runExec(command, env)
    }
    case 'healthcheck':
      return runHealthcheck(env, command.live, command.waitSeconds)
    case 'version':
      // Bug reports need both: the agent's version and the Node it runs on (a single executable's own).
      process.stdout.write(`clef-agent ${opts.version} (node ${process.version})\n`)
      return
    case 'help':
      process.stdout.write(command.topic === 'exec' ? EXEC_HELP : HELP)
      return
    case 'invalid':
      return usageError(`${command.message}; see clef-agent --help`)
  }
}
