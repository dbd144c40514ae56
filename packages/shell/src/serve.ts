// The serving half of every shell: token, the loopback API and, when CLEF_AGENT_PROBE_PORT is set,
// the probe listener on every interface (for kubelet on the pod IP). A port that cannot be bound
// is reported naming its variable.
import { resolveToken, type Agent, type AgentConfig, type ResolvedToken } from '@clef-sh/agent-core'
import { AgentError, isAgentError, type Logger } from '@clef-sh/errors'
import {
  createAgentReader,
  serveApi,
  serveProbe,
  type AgentReader,
  type RunningApi,
  type RunningProbe,
} from '@clef-sh/http-api'
import { startIdleGc } from './idle-gc.ts'
import { capYoungGeneration, collectAndSizeHeap } from './young-generation.ts'

/** A serving agent; `close()` drains both listeners and stops the agent (dropping the plaintext). */
export interface ServingAgent {
  readonly agent: Agent
  /** What the listeners serve from. */
  readonly reader: AgentReader
  readonly api: RunningApi
  readonly probe: RunningProbe | undefined
  readonly token: ResolvedToken
  close(reason: string): Promise<void>
}

/** Options of {@link serveAgent}. */
export interface ServeOptions {
  config: AgentConfig
  /** Built from `config`, not started yet. */
  agent: Agent
  logger: Logger
  /** What the listeners serve from; default the API's reader of `agent.serving` (the Lambda shell starts it lazily). */
  reader?: AgentReader
  /** Passed to the API's drain (the Lambda shell has about 2 s for SHUTDOWN). */
  forceCloseAfterMs?: number
}

/**
 * `error` with `variable: ` in front of its message, so a fatal start line names what to change;
 * `hint` replaces the error's own when given.
 */
const naming = (variable: string, error: unknown, hint?: string): unknown => {
  if (!isAgentError(error)) return error
  const kept = hint ?? error.hint
  return new AgentError(error.code, `${variable}: ${error.message}`, {
    cause: error,
    ...(kept === undefined ? {} : { hint: kept }),
  })
}

/** Where the probe listens, as a URL (`http://[::]:7780` when bound dual-stack). */
const probeUrl = ({ hostname, port }: RunningProbe): string =>
  `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`

/**
 * Resolves the token and starts listening; the agent itself is not started (call
 * `agent.start()`), so probes answer `not_loaded` while the first load runs. Every request is
 * counted in the agent's metrics. Rejects with `config_invalid` when a port cannot be bound
 * (naming CLEF_AGENT_PORT or CLEF_AGENT_PROBE_PORT) or the token file is unusable (naming
 * CLEF_AGENT_TOKEN_FILE).
 */
export const serveAgent = async (opts: ServeOptions): Promise<ServingAgent> => {
  const { config, agent, logger } = opts
  const reader = opts.reader ?? createAgentReader(agent.serving)
  const token = await resolveToken(config).catch((e: unknown) => {
    // CLEF_AGENT_TOKEN itself was checked with the configuration: what fails here is the file.
    throw naming('CLEF_AGENT_TOKEN_FILE', e)
  })
  // A burst of requests grows the heap only a little (young-generation.ts), and what it leaves is
  // given back once they stop (idle-gc.ts).
  const idleGc = startIdleGc(config.ttlMs === 0 ? { collect: collectAndSizeHeap } : {})
  const api = await serveApi(reader, {
    token: token.token,
    port: config.port,
    logger,
    onRequest: (route, status) => {
      idleGc.note()
      agent.serving.recordRequest(route, status)
    },
    ...(opts.forceCloseAfterMs === undefined ? {} : { forceCloseAfterMs: opts.forceCloseAfterMs }),
  }).catch((e: unknown) => {
    idleGc.stop()
    throw naming('CLEF_AGENT_PORT', e, 'choose a free port with CLEF_AGENT_PORT')
  })
  let probe: RunningProbe | undefined
  try {
    probe =
      config.probePort === undefined
        ? undefined
        : await serveProbe(reader, { port: config.probePort, logger })
  } catch (e) {
    idleGc.stop()
    await api.close()
    throw naming('CLEF_AGENT_PROBE_PORT', e, 'choose a free port with CLEF_AGENT_PROBE_PORT')
  }
  // The flags are set once listening, before the first load: Node compiles a built-in module it
  // loads after a V8 flag changed without its own code cache, and listening loads several (net
  // loads cluster, child_process and dgram).
  capYoungGeneration()
  logger.info('listening', {
    url: `http://127.0.0.1:${api.port}`,
    probe: probe === undefined ? undefined : probeUrl(probe),
    token: token.origin,
    tokenFile: token.path,
  })
  const close = async (reason: string): Promise<void> => {
    idleGc.stop()
    await Promise.allSettled([agent.stop(reason), api.close(), probe?.close()])
  }
  return { agent, reader, api, probe, token, close }
}
