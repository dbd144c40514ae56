// The public createAgent(): the core agent plus the conveniences of an embedded library (typed
// options, namespace/key reads, a flat env map, an AbortSignal). Apps keep passing an AgentConfig.
import { secretEnv, type SecretValues } from '@clef-sh/artifact-format'
import { createAgent as createCoreAgent } from '../agent/create-agent.ts'
import type { Agent, AgentDeps } from '../agent/types.ts'
import type { AgentConfig } from '../config/types.ts'
import { resolveAgentOptions, type AgentOptions } from './agent-options.ts'

/** The agent returned by {@link createAgent}: every method of the core Agent, plus typed reads. */
export interface EmbeddedAgent extends Agent {
  /**
   * One secret: `get('ns__key')` (or a bare key unique across namespaces), or `get(namespace, key)`.
   * Resolves undefined when absent. Rejects like `getAll()` (`not_loaded`, `cache_expired`, …) and,
   * for a bare key found in several namespaces or a flat name two namespaces produce, with `key_ambiguous`.
   */
  get(nameOrNamespace: string, key?: string): Promise<string | undefined>
  /** One secret by namespace and key; undefined when absent. Rejects like `getAll()`. */
  secret(namespace: string, key: string): Promise<string | undefined>
  /**
   * Every secret as a flat `{ ns__key: value }` map, ready to merge into a child's env. Rejects like
   * `getAll()`, and with `key_ambiguous` (naming the name) when two secrets share a flat name.
   */
  env(): Promise<Record<string, string>>
}

/** True for a parsed {@link AgentConfig} (from `fromEnv` or `parseConfig`), false for {@link AgentOptions}. */
export const isAgentConfig = (input: AgentConfig | AgentOptions): input is AgentConfig =>
  'ttlMs' in input && 'tokenFile' in input

const resolve = (
  input: AgentConfig | AgentOptions,
  deps: AgentDeps,
): { config: AgentConfig; deps: AgentDeps } => {
  if (isAgentConfig(input)) return { config: input, deps }
  const resolved = resolveAgentOptions(input)
  return { config: resolved.config, deps: { ...resolved.deps, ...deps } }
}

const pick = (values: SecretValues, namespace: string, key: string): string | undefined => {
  const keys = Object.hasOwn(values, namespace) ? values[namespace] : undefined
  return keys !== undefined && Object.hasOwn(keys, key) ? keys[key] : undefined
}

const bindSignal = (agent: Agent, signal: AbortSignal | undefined): (() => void) => {
  if (signal === undefined) return () => {}
  const onAbort = (): void => {
    void agent.stop('aborted')
  }
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  return () => {
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Creates an agent from a parsed {@link AgentConfig} (what `fromEnv` returns) or from typed
 * {@link AgentOptions}. Does no I/O until `start()`. Each call builds its own state: several agents
 * in one process are independent. Throws AgentError `config_invalid` for bad options or an
 * unusable source.
 */
export const createAgent = (input: AgentConfig | AgentOptions, deps: AgentDeps = {}): EmbeddedAgent => {
  const resolved = resolve(input, deps)
  const core = createCoreAgent(resolved.config, resolved.deps)
  const unbind = bindSignal(core, isAgentConfig(input) ? undefined : input.signal)
  const secret = async (namespace: string, key: string): Promise<string | undefined> =>
    pick(await core.getAll(), namespace, key)
  const stop = (reason?: string): Promise<void> => {
    unbind()
    return core.stop(reason)
  }
  // Delegates member by member: spreading `core` would freeze its `revision` and `ready` getters.
  return {
    start: () => core.start(),
    stop,
    serving: core.serving,
    getAll: () => core.getAll(),
    get: (name, key) => (key === undefined ? core.get(name) : secret(name, key)),
    secret,
    env: async () => Object.fromEntries(secretEnv(await core.getAll(), { naming: 'flat' })),
    keys: () => core.keys(),
    get revision() {
      return core.revision
    },
    get ready() {
      return core.ready
    },
    on: (event, listener) => core.on(event, listener),
    onRefresh: (listener) => core.onRefresh(listener),
    [Symbol.asyncDispose]: () => stop('disposed'),
  }
}
