// The `clef-agent` commands by name: argv → the command's module. Shared by the daemon's entry
// and the sidecar image's entry, which differ only in defaults.
import pkg from '../package.json' with { type: 'json' }
import { HELP, parseArgs } from './cli.ts'
import { demoEnv } from './demo.ts'
import { runExec } from './exec/run-exec.ts'
import { checkReady } from './healthcheck.ts'
import { runAgent } from './run.ts'
import { fail } from './startup.ts'

/**
 * Runs the command of `argv` (without node and script) with the environment `env`. Long-running
 * commands own the process from then on (signals, exit); short ones resolve after writing.
 */
export const runCli = async (argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> => {
  const command = parseArgs(argv)
  switch (command.kind) {
    case 'run':
      return runAgent(command.demo ? demoEnv(env) : env, command.demo)
    case 'exec':
      return runExec(command, env)
    case 'healthcheck':
      return process.exit((await checkReady(Number(env['CLEF_AGENT_PORT'] ?? 7779))) ? 0 : 1)
    case 'version':
      // Bug reports need both: the agent's version and the Node it runs on (a single executable's own).
      process.stdout.write(`clef-agent ${pkg.version} (node ${process.version})\n`)
      return
    case 'help':
      process.stdout.write(HELP)
      return
    case 'invalid':
      return fail(`${command.message}; see clef-agent --help`)
  }
}
