// The extension's `setup`: the parsed configuration becomes a token, an agent and the loopback
// API, listening at once so the function's init code can already ask (and wait) for secrets.
import { createAgent, type ParseConfigResult } from '@clef-sh/agent-core'
import type { Logger } from '@clef-sh/errors'
import { serveAgent } from '../serve.ts'
import { configError } from '../startup.ts'
import { createLazyReader } from './lazy-reader.ts'
import type { ExtensionServing } from './lifecycle.ts'

// Lambda gives external extensions about 2 s for SHUTDOWN, the runtime included.
const FORCE_CLOSE_MS = 500

/**
 * Serves the agent of `parsed` (not started yet). Throws AgentError `config_invalid` naming
 * every bad variable (never a value), or when the token file or the port is unusable.
 */
export const serveExtension = async (
  parsed: ParseConfigResult,
  logger: Logger,
  opts: { snapStart: boolean },
): Promise<ExtensionServing> => {
  if (!parsed.ok) throw configError(parsed.issues)
  const { config } = parsed
  const agent = createAgent(config, { logger })
  const lazy = createLazyReader(agent, opts)
  const serving = await serveAgent({
    config,
    agent,
    logger,
    reader: lazy.reader,
    forceCloseAfterMs: FORCE_CLOSE_MS,
  })
  return { agent, lazy, ttlMs: config.ttlMs, close: (reason) => serving.close(reason) }
}
