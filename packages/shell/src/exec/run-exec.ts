// `clef-agent exec`: load and verify the secrets once, run the command with them in its
// environment, forward signals, and exit with its code. With --watch the agent keeps polling and
// the command is restarted (SIGTERM, grace, SIGKILL) whenever a new revision is accepted.
import { createAgent, type Agent, type LogFormat } from '@clef-sh/agent-core'
import { AgentError, ErrorCode, isErrorCode, type Logger } from '@clef-sh/errors'
import type { ExecCommand } from '../cli.ts'
import { createLogger } from '../logger.ts'
import { describeError } from '../safe-message.ts'
import { configOrExit, fatal } from '../startup.ts'
import { buildChildEnv } from './child-env.ts'
import { startChild, type Child } from './child.ts'

/** How long a command may take to stop on SIGTERM before it is killed, on --watch restarts. */
export const RESTART_GRACE_MS = 10_000

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

/** Loads the secrets once; exits 1 (after stopping the agent) when none can be served. */
const loadOnce = async (agent: Agent, format: LogFormat): Promise<void> => {
  await agent.start().catch((e: unknown) => fatal(format, e))
  if (agent.ready) return
  const reason = agent.reader.health().lastError
  await agent.stop('exec: not ready')
  const code = reason !== null && isErrorCode(reason.code) ? reason.code : ErrorCode.NotLoaded
  const message = `no secrets to run the command with: ${reason === null ? 'not_loaded' : `${reason.code}: ${reason.message}`}`
  fatal(format, new AgentError(code, message, reason?.hint === undefined ? {} : { hint: reason.hint }))
}

const spawnWith = async (agent: Agent, cmd: ExecCommand, logger: Logger): Promise<Child> => {
  const { env, skipped } = buildChildEnv({
    secrets: await agent.getAll(),
    prefix: cmd.prefix,
    base: process.env,
  })
  if (skipped.length > 0) logger.warn('secrets not usable as environment variables', { names: skipped })
  return startChild({
    command: cmd.command,
    args: cmd.args,
    env,
    onStartError: (m) => {
      logger.error(m)
    },
  })
}

/** Runs `cmd` under the configuration of `env` and exits with the command's exit code. */
export const runExec = async (cmd: ExecCommand, env: NodeJS.ProcessEnv): Promise<never> => {
  const config = configOrExit(env)
  // stdout belongs to the command: the agent logs to stderr.
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    write: (line) => process.stderr.write(line),
  })
  const agent = createAgent(config, { logger })
  await loadOnce(agent, config.logFormat)
  let child = await spawnWith(agent, cmd, logger).catch((e: unknown) => fatal(config.logFormat, e))
  // Without --watch the plaintext is dropped and polling stops as soon as the command has it.
  if (!cmd.watch) await agent.stop('exec: command started')
  for (const sig of FORWARDED) {
    process.on(sig, () => {
      child.signal(sig)
    })
  }

  let revision = agent.revision
  let restarting: Promise<void> | undefined
  agent.onRefresh((event) => {
    if (!event.ok || event.revision === revision || restarting !== undefined) return
    logger.info('new revision: restarting the command', { revision: event.revision })
    restarting = child
      .stop(RESTART_GRACE_MS)
      .then(() => spawnWith(agent, cmd, logger))
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
