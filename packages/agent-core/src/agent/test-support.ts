// The agent suites' own glue (not exported): a complete test config and the refresh-event waits.
// They are typed by this package's AgentConfig and Agent, and @clef-sh/testing cannot depend on
// agent-core (its tests use @clef-sh/testing), so they stay here; the fakes (clock, log recorder,
// in-process KMS, packer) live in @clef-sh/testing.
import { createAgentReader, type AgentReader } from '@clef-sh/http-api'
import type { FakeClock } from '@clef-sh/testing'
import type { AgentConfig } from '../config/types.ts'
import type { Agent, RefreshEvent } from './types.ts'

const readers = new WeakMap<Agent, AgentReader>()

/** The HTTP API's reader over `agent.serving`: one per agent, as a server holds it. */
export const readerOf = (agent: Agent): AgentReader => {
  let reader = readers.get(agent)
  if (reader === undefined) readers.set(agent, (reader = createAgentReader(agent.serving)))
  return reader
}

/** The next refresh event of `agent`. */
export const nextEvent = (agent: Agent): Promise<RefreshEvent> =>
  new Promise((resolve) => {
    const off = agent.onRefresh((e) => {
      off()
      resolve(e)
    })
  })

/** Fires the next timer and waits for the refresh it starts, and for the loop to re-arm. */
export const tick = async (agent: Agent, clock: FakeClock): Promise<RefreshEvent> => {
  const event = nextEvent(agent)
  clock.fire()
  const result = await event
  await new Promise((resolve) => setImmediate(resolve))
  return result
}

/** A complete config with test defaults; `overrides` win. */
export const testConfig = (overrides: Partial<AgentConfig> & Pick<AgentConfig, 'source'>): AgentConfig => ({
  ageKey: undefined,
  port: 7779,
  token: 'test-token',
  tokenFile: '/nonexistent/token',
  agentId: 'test-agent',
  ttlMs: 300_000,
  staleIfErrorMs: 0,
  allowRollback: false,
  logLevel: 'debug',
  logFormat: 'json',
  ...overrides,
})
