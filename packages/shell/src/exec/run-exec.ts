// `clef-agent exec`: load and verify the secrets once (riding out a source that blips), run the command with them in its
// environment, forward signals, and exit with its code. With --watch the agent keeps polling and
// the command is restarted (SIGTERM, grace, SIGKILL) whenever a new revision is accepted.
import { constants } from 'node:os'
import { createAgent, type Agent } from '@clef-sh/agent-core'
import type { Logger } from '@clef-sh/errors'
import type { ExecCommand } from '../cli.ts'
import { createLogger } from '../logger.ts'
import { describeError } from '../safe-message.ts'
import { configOrExit, fatal } from '../startup.ts'
import { buildChildEnv } from './child-env.ts'
import { startChild, type Child } from './child.ts'
import { forwardSignals, type Forwarder } from './forward-signals.ts'
import { loadWithRetry } from './load-with-retry.ts'

/** How long a command may take to stop on SIGTERM before it is killed, on --watch restarts. */
export const RESTART_GRACE_MS = 10_000

interface SpawnContext {
  agent: Agent
  cmd: ExecCommand
  logger: Logger
  signals: Forwarder
}

const spawnWith = async ({ agent, cmd, logger, signals }: SpawnContext): Promise<Child> => {
  const { env, skipped, refused } = buildChildEnv({
    secrets: await agent.getAll(),
    prefix: cmd.prefix,
    base: process.env,
    allowEnv: cmd.allowEnv,
  })
  // A signal during the load ends exec (see runExec): never start the command then.
  if (signals.pending() !== undefined) return new Promise<never>(() => undefined)
  if (skipped.length > 0) logger.warn('secrets not usable as environment variables', { names: skipped })
  if (refused.length > 0) {
    logger.warn('secrets not set: loader or interpreter variables (allow with --allow-env)', {
      names: refused,
    })
  }
  const child = startChild({
    command: cmd.command,
    args: cmd.args,
    env,
    onStartError: (m) => {
      logger.error(m)
    },
  })
  signals.attach(child)
  return child
}

/** Runs `cmd` under the configuration of `env` and exits with the command's exit code. */
export const runExec = async (cmd: ExecCommand, env: NodeJS.ProcessEnv): Promise<never> => {
  // First of all, before anything asynchronous: see forward-signals.ts.
  const signals = forwardSignals({ terminal: process.stdin.isTTY })
  const config = configOrExit(env)
  // stdout belongs to the command: the agent logs to stderr.
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    write: (line) => process.stderr.write(line),
  })
  const agent = createAgent(config, { logger })
  void signals.beforeStart.then(async (sig) => {
    logger.info('stopping before the command started', { signal: sig })
    await agent.stop(`exec: ${sig}`)
    process.exit(128 + constants.signals[sig])
  })
  const context: SpawnContext = { agent, cmd, logger, signals }
  await loadWithRetry({ agent, config, logger, signals })
  let child = await spawnWith(context).catch((e: unknown) => fatal(config.logFormat, e))
  // Without --watch the plaintext is dropped and polling stops as soon as the command has it.
  if (!cmd.watch) await agent.stop('exec: command started')

  let revision = agent.revision
  let restarting: Promise<void> | undefined
  agent.onRefresh((event) => {
    if (!event.ok || event.revision === revision || restarting !== undefined) return
    logger.info('new revision: restarting the command', { revision: event.revision })
    restarting = child
      .stop(RESTART_GRACE_MS)
      .then(() => spawnWith(context))
      .then((next) => {
        child = next
        revision = agent.revision
      })
      .catch((e: unknown) => {
        logger.error('restart failed', { message: describeError(e) })
      })
      .finally(() => {
        restarting = undefined
      })
  })

  // The command's own exit ends exec; an exit caused by a restart does not.
  for (;;) {
    const code = await child.exited
    if (restarting === undefined) {
      await agent.stop('exec: command exited')
      process.exit(code)
    }
    await restarting
  }
}
