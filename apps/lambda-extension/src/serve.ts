// The extension's `setup`: the parsed configuration becomes a token, an agent and the loopback
// API, listening at once so the function's init code can already ask (and wait) for secrets.
import { createAgent, resolveToken, type ParseConfigResult } from '@clef-sh/agent-core'
import { AgentError, ErrorCode, type Logger } from '@clef-sh/errors'
import { serveApi } from '@clef-sh/http-api'
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
): Promise<ExtensionServing> => {
  if (!parsed.ok) {
    const issues = parsed.issues.map((i) => `${i.variable}: ${i.message}`).join('; ')
    throw new AgentError(ErrorCode.ConfigInvalid, `invalid configuration: ${issues}`)
  }
  const { config } = parsed
  const token = await resolveToken(config)
  const agent = createAgent(config, { logger })
  const lazy = createLazyReader(agent)
  const api = await serveApi(lazy.reader, {
    token: token.token,
    port: config.port,
    logger,
    forceCloseAfterMs: FORCE_CLOSE_MS,
  })
  logger.info('listening', {
    url: `http://127.0.0.1:${api.port}`,
    token: token.origin,
    tokenFile: token.path,
  })
  const close = async (reason: string): Promise<void> => {
    await Promise.allSettled([agent.stop(reason), api.close()])
  }
  return { agent, lazy, ttlMs: config.ttlMs, close }
}
