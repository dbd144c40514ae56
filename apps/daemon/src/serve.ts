// The serving half of `clef-agent run`: token, agent, the loopback API and, when
// CLEF_AGENT_PROBE_PORT is set, the probe listener on every interface (for kubelet on the pod IP).
import {
  createAgent,
  resolveToken,
  type Agent,
  type AgentConfig,
  type ResolvedToken,
} from '@clef-sh/agent-core'
import type { Logger } from '@clef-sh/errors'
import { serveApi, serveProbe, type RunningApi, type RunningProbe } from '@clef-sh/http-api'

/** A serving agent; `close()` drains both listeners and stops the agent (dropping the plaintext). */
export interface ServingAgent {
  readonly agent: Agent
  readonly api: RunningApi
  readonly probe: RunningProbe | undefined
  readonly token: ResolvedToken
  close(reason: string): Promise<void>
}

const probeUrl = ({ hostname, port }: RunningProbe): string =>
  `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`

/**
 * Resolves the token and starts listening; the agent itself is not started (call
 * `agent.start()`), so probes answer `not_loaded` while the first load runs. Rejects with
 * `config_invalid` when a port cannot be bound or the token file is unusable.
 */
export const serveAgent = async (config: AgentConfig, logger: Logger): Promise<ServingAgent> => {
  const token = await resolveToken(config)
  const agent = createAgent(config, { logger })
  const api = await serveApi(agent.reader, {
    token: token.token,
    port: config.port,
    logger,
    onRequest: agent.recordRequest,
  })
  let probe: RunningProbe | undefined
  try {
    probe =
      config.probePort === undefined
        ? undefined
        : await serveProbe(agent.reader, { port: config.probePort, logger })
  } catch (e) {
    await api.close()
    throw e
  }
  logger.info('listening', {
    url: `http://127.0.0.1:${api.port}`,
    probe: probe === undefined ? undefined : probeUrl(probe),
    token: token.origin,
    tokenFile: token.path,
  })
  const close = async (reason: string): Promise<void> => {
    await Promise.allSettled([agent.stop(reason), api.close(), probe?.close()])
  }
  return { agent, api, probe, token, close }
}
