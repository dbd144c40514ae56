// createAgentReader: bodies from an agent's snapshots, memoized per snapshot, and health from its
// state. The agent here is a plain object of the ServedAgent shape (what agent-core's
// `agent.serving` is), holding real snapshots.
import { valuesJson, type SecretsSnapshot } from '@clef-sh/artifact-format'
import { describe, expect, it, vi } from 'vitest'
import { createAgentReader, type ServedAgent, type ServedAgentStatus } from './agent-reader.ts'
import type { ServedSecrets } from './reader.ts'

const decoded = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes))

const STATUS: ServedAgentStatus = {
  phase: 'running',
  mode: 'cached',
  revision: 'r1',
  lastRefreshAt: Date.UTC(2026, 0, 1),
  lastError: undefined,
  expired: false,
  ready: { ready: true },
}

const agentServing = (
  current: () => SecretsSnapshot | Promise<SecretsSnapshot>,
  status = STATUS,
): ServedAgent => ({
  snapshot: current,
  status: () => status,
  ready: () => status.ready,
  refresh: () => Promise.resolve({ revision: status.revision }),
  metrics: () => 'clef_agent_ready 1\n',
})

const sync = (served: ServedSecrets | Promise<ServedSecrets>): ServedSecrets => {
  if ('then' in served) throw new Error('expected the synchronous path')
  return served
}

describe('createAgentReader', () => {
  it('serializes a snapshot once: the same bodies until the agent hands out another snapshot', () => {
    let snapshot: SecretsSnapshot = { revision: 'r1', values: { app: { KEY: 'one' } } }
    const reader = createAgentReader(agentServing(() => snapshot))
    const first = sync(reader.secrets())
    expect(decoded(first.allBody)).toEqual({ app: { KEY: 'one' } })
    expect(sync(reader.secrets())).toBe(first)
    expect(sync(reader.secrets()).allBody).toBe(first.allBody)
    snapshot = { revision: 'r2', values: { app: { KEY: 'two' } } }
    const second = sync(reader.secrets())
    expect(second).not.toBe(first)
    expect(second.revision).toBe('r2')
    expect(decoded(second.allBody)).toEqual({ app: { KEY: 'two' } })
    expect(decoded(second.keysBody)).toEqual(['app__KEY'])
  })

  it('writes a snapshot’s own JSON bytes as they are, without reading its values (JIT zero-copy)', async () => {
    const values = { app: { KEY: 'v' } }
    const json = valuesJson(values)
    let reads = 0
    const snapshot: SecretsSnapshot = {
      revision: 'r1',
      get values() {
        reads++
        return values
      },
      json,
    }
    const reader = createAgentReader(agentServing(() => Promise.resolve(snapshot)))
    const served = await reader.secrets()
    expect(served.allBody).toBe(json)
    expect(reads).toBe(0)
    // A per-key read parses the values, once.
    expect(served.lookup('KEY')).toMatchObject({ found: true })
    expect(served.lookup('app__KEY')).toMatchObject({ found: true })
    expect(reads).toBe(1)
  })

  it('lends a snapshot’s held bytes: writers take its hold, and allBody reads them afresh each time', async () => {
    const values = { app: { KEY: 'v' } }
    const json = valuesJson(values)
    let given = false
    const giveBack = vi.fn()
    const hold = vi.fn(() => giveBack)
    const snapshot: SecretsSnapshot = {
      revision: 'r1',
      values,
      get json() {
        if (given) throw new Error('read after it was given back')
        return json
      },
      hold,
    }
    const served = await createAgentReader(agentServing(() => Promise.resolve(snapshot))).secrets()
    expect(served.allBody).toBe(json)
    served.hold?.()()
    expect(hold).toHaveBeenCalledTimes(1)
    expect(giveBack).toHaveBeenCalledTimes(1)
    given = true
    expect(() => served.allBody).toThrow('read after it was given back')
  })

  it('reports health from the agent’s state: Clef’s fields plus state, times as epoch ms and ISO', () => {
    const at = Date.UTC(2026, 0, 1, 12)
    const reader = createAgentReader(
      agentServing(() => ({ revision: 'r1', values: {} }), {
        ...STATUS,
        lastError: { code: 'source_unreachable', message: 'connection refused', at, hint: 'retrying' },
      }),
    )
    expect(reader.health()).toEqual({
      status: 'ok',
      state: 'degraded',
      mode: 'cached',
      revision: 'r1',
      lastRefreshAt: STATUS.lastRefreshAt,
      lastRefreshTime: '2026-01-01T00:00:00.000Z',
      expired: false,
      lastError: {
        code: 'source_unreachable',
        message: 'connection refused',
        at: '2026-01-01T12:00:00.000Z',
        hint: 'retrying',
      },
    })
    const starting = createAgentReader(
      agentServing(() => ({ revision: 'r1', values: {} }), {
        ...STATUS,
        phase: 'starting',
        revision: null,
        lastRefreshAt: undefined,
        ready: { ready: false, reason: 'not_loaded' },
      }),
    )
    expect(starting.health()).toMatchObject({ state: 'starting', lastRefreshAt: null, lastRefreshTime: null })
  })
})
