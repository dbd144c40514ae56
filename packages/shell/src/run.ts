// `clef-agent run`: serve the agent until SIGTERM/SIGINT; SIGHUP refreshes now.
import { createAgent } from '@clef-sh/agent-core'
import { demoHowTo } from './demo.ts'
import { createLogger } from './logger.ts'
import { serveAgent } from './serve.ts'
import { createReload, exitOnShutdownSignals, refreshOnSighup } from './signals.ts'
import { collectAndSizeHeap } from './young-generation.ts'
import { configOrExit, fatal } from './startup.ts'

/** Runs the agent with the configuration of `env`; resolves once the first load attempt ended. */
export const runAgent = async (env: NodeJS.ProcessEnv, demo: boolean): Promise<void> => {
  const config = configOrExit(env)
  const logger = createLogger({ level: config.logLevel, format: config.logFormat })
  const agent = createAgent(config, { logger })
  const serving = await serveAgent({ config, agent, logger }).catch((e: unknown) =>
    fatal(config.logFormat, e),
  )
  exitOnShutdownSignals((signal) => serving.close(signal), logger)
  refreshOnSighup(createReload(serving.reader, logger))
  await serving.agent.start()
  // JIT mode sizes the heap at a full collection (young-generation.ts): one now, without the
  // first load's garbage, rather than late in the first burst of requests.
  if (config.ttlMs === 0) setImmediate(collectAndSizeHeap)
  if (demo) {
    const { api, token } = serving
    process.stdout.write(demoHowTo(api.port, token.origin === 'env' ? undefined : token.path))
  }
}
