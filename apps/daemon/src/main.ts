// Composition root of the `clef-agent` daemon: env → parseConfig → agent + HTTP API → signals.
// Everything with behaviour lives in the packages; this file only wires them and owns the process.
import { tmpdir } from 'node:os'
import { createAgent, parseConfig, resolveToken } from '@clef-sh/agent-core'
import { serveApi } from '@clef-sh/http-api'
import pkg from '../package.json' with { type: 'json' }
import { HELP, parseArgs } from './cli.ts'
import { demoEnv, demoHowTo } from './demo.ts'
import { checkReady } from './healthcheck.ts'
import { createLogger } from './logger.ts'

const SHUTDOWN_DEADLINE_MS = 4500

const fail = (line: string): never => {
  process.stderr.write(`clef-agent: ${line}\n`)
  process.exit(1)
}

const run = async (env: NodeJS.ProcessEnv, demo: boolean): Promise<void> => {
  const parsed = parseConfig(env, { tmpdir: tmpdir(), uid: process.getuid?.() ?? 'user' })
  if (!parsed.ok) {
    for (const issue of parsed.issues) process.stderr.write(`clef-agent: ${issue.variable}: ${issue.message}\n`)
    return fail(`invalid configuration (${parsed.issues.length} problem(s)); see the README for every variable`)
  }
  const { config } = parsed
  const logger = createLogger({ level: config.logLevel, format: config.logFormat })
  const token = await resolveToken(config)
  const agent = createAgent(config, { logger })
  const api = await serveApi(agent.reader, { token: token.token, port: config.port, logger }).catch((e: unknown) =>
    fail(e instanceof Error ? e.message : String(e)),
  )
  logger.info('listening', { url: `http://127.0.0.1:${api.port}`, token: token.origin, tokenFile: token.path })

  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info('stopping', { signal })
    const deadline = setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS)
    deadline.unref()
    void Promise.allSettled([agent.stop(signal), api.close()]).then(() => process.exit(0))
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))

  await agent.start()
  if (demo) process.stdout.write(demoHowTo(api.port, token.origin === 'env' ? undefined : token.path))
}

const main = async (argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> => {
  const command = parseArgs(argv)
  switch (command.kind) {
    case 'run':
      return run(command.demo ? demoEnv(env) : env, command.demo)
    case 'healthcheck':
      return process.exit((await checkReady(Number(env['CLEF_AGENT_PORT'] ?? 7779))) ? 0 : 1)
    case 'version':
      process.stdout.write(`clef-agent ${pkg.version}\n`)
      return
    case 'help':
      process.stdout.write(HELP)
      return
    case 'invalid':
      return fail(`${command.message}; see clef-agent --help`)
  }
}

main(process.argv.slice(2), process.env).catch((e: unknown) =>
  fail(`fatal: ${e instanceof Error ? e.message : String(e)}`),
)
