// Turns what an agent exposes (a snapshot of values, its state) into what the API writes: the
// served bodies, memoized per snapshot, and the health document. The agent never builds a body;
// this package never imports the agent (ServedAgent is the shape it needs, @clef-sh/agent-core's
// `agent.serving` has it).
import type { SecretsSnapshot } from '@clef-sh/artifact-format'
import type { AgentReader, HealthState, ReadyStatus, ServedSecrets } from './reader.ts'
import { createServedSecrets } from './served-secrets.ts'

/** The state of the agent served, at one instant. */
export interface ServedAgentStatus {
  readonly phase: 'idle' | 'starting' | 'running' | 'stopped'
  readonly mode: 'cached' | 'jit'
  readonly revision: string | null
  /** Epoch ms of the last successful refresh, if any. */
  readonly lastRefreshAt: number | undefined
  readonly lastError:
    | {
        readonly code: string
        readonly message: string
        readonly at: number
        readonly hint?: string | undefined
      }
    | undefined
  readonly expired: boolean
  readonly ready: ReadyStatus
}

/** What the API needs from an agent (`agent.serving` of @clef-sh/agent-core). */
export interface ServedAgent {
  /** Synchronous when fresh in cached mode, the same object until the secrets change. Throws AgentError otherwise. */
  snapshot(): SecretsSnapshot | Promise<SecretsSnapshot>
  status(): ServedAgentStatus
  ready(): ReadyStatus
  /** The first load attempt while it runs (settles, never rejects, once it ended), if any. */
  firstLoad?(): Promise<void> | undefined
  refresh(): Promise<{ revision: string | null }>
  metrics(): string
}

/**
 * How long a readiness check made while the first load runs waits for it to end, in ms: the
 * caller then learns the outcome in one request instead of a `not_loaded` and another probe
 * (Kubernetes' next one comes 10 s later). Well under a probe's usual 1 s timeout.
 */
export const READY_WAIT_MS = 500

/** `agent.ready()`, after waiting at most {@link READY_WAIT_MS} for a first load in progress. */
const readyAfterFirstLoad = (agent: ServedAgent): ReadyStatus | Promise<ReadyStatus> => {
  const now = agent.ready()
  const loading = now.ready ? undefined : agent.firstLoad?.()
  if (loading === undefined) return now
  let timer: ReturnType<typeof setTimeout> | undefined
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, READY_WAIT_MS)
  })
  return Promise.race([loading, waited]).then(() => {
    clearTimeout(timer)
    return agent.ready()
  })
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString())

const healthState = (status: ServedAgentStatus): HealthState => {
  if (status.phase === 'idle' || status.phase === 'starting') return 'starting'
  if (!status.ready.ready) return 'unavailable'
  return status.lastError === undefined ? 'ok' : 'degraded'
}

/**
 * The bodies of a snapshot whose JSON bytes are lent (JIT): `allBody` reads them afresh each time
 * (the snapshot refuses once they were given back), and writers take a hold while they write them.
 */
const lent = (snapshot: SecretsSnapshot, bodies: ServedSecrets, hold: () => () => void): ServedSecrets => ({
  revision: bodies.revision,
  get allBody() {
    return snapshot.json ?? bodies.allBody
  },
  get keysBody() {
    return bodies.keysBody
  },
  lookup: (name) => bodies.lookup(name),
  hold,
})

/**
 * The {@link AgentReader} of `agent`. Each snapshot's bodies are built on first use and kept as
 * long as the agent keeps that snapshot (a WeakMap: a wiped snapshot takes its bodies with it),
 * so cached mode serves the same bytes until the next swap with no work per request.
 */
export const createAgentReader = (agent: ServedAgent): AgentReader => {
  const served = new WeakMap<SecretsSnapshot, ServedSecrets>()
  const servedOf = (snapshot: SecretsSnapshot): ServedSecrets => {
    let bodies = served.get(snapshot)
    if (bodies === undefined) {
      bodies = createServedSecrets(snapshot.revision, () => snapshot.values, { allBody: snapshot.json })
      if (snapshot.hold !== undefined) bodies = lent(snapshot, bodies, snapshot.hold)
      served.set(snapshot, bodies)
    }
    return bodies
  }
  return {
    health: () => {
      const status = agent.status()
      const last = status.lastError
      return {
        // Clef's clients read `status` and epoch-ms `lastRefreshAt`; the finer state is added.
        status: 'ok',
        state: healthState(status),
        mode: status.mode,
        revision: status.revision,
        lastRefreshAt: status.lastRefreshAt ?? null,
        lastRefreshTime: iso(status.lastRefreshAt),
        expired: status.expired,
        lastError:
          last === undefined
            ? null
            : {
                code: last.code,
                message: last.message,
                at: iso(last.at) ?? '',
                ...(last.hint === undefined ? {} : { hint: last.hint }),
              },
      }
    },
    ready: () => readyAfterFirstLoad(agent),
    secrets: () => {
      const snapshot = agent.snapshot()
      return 'then' in snapshot ? snapshot.then(servedOf) : servedOf(snapshot)
    },
    refresh: () => agent.refresh(),
    metrics: () => agent.metrics(),
  }
}
