import { describe, expect, it } from 'vitest'
import { parseVerifyKey } from '@clef-sh/artifact-format'
import { createFakeClock, createInProcessKms, loadVectors, vectorPath } from '@clef-sh/testing'
import { createAgent } from './create-agent.ts'
import { testConfig, readerOf } from './test-support.ts'

// Every conformance vector through the whole agent (file source → checks → provider), in both modes.
describe.each([
  ['cached', 300_000],
  ['jit', 0],
])('conformance vectors, %s mode', (_mode, ttlMs) => {
  it.each(loadVectors().map((v) => [v.name, v] as const))('%s', async (_name, v) => {
    const clock = createFakeClock()
    const config = testConfig({
      source: { kind: 'file', path: vectorPath(v) },
      ageKey: v.ageKey === null ? undefined : { kind: 'inline', value: v.ageKey },
      ttlMs,
      ...(v.verifyKey === null ? {} : { verifyKey: parseVerifyKey(v.verifyKey) }),
    })
    await using agent = createAgent(config, {
      now: clock.now,
      timers: clock.timers,
      kms: createInProcessKms().resolver,
    })
    await agent.start()
    if (v.expect.ok) {
      expect(readerOf(agent).ready()).toEqual({ ready: true })
      expect(agent.revision).toBe(v.expect.revision)
      expect(await agent.getAll()).toEqual(v.expect.values)
      const served = await readerOf(agent).secrets()
      expect(Buffer.from(served.allBody).toString()).toBe(JSON.stringify(v.expect.values))
    } else {
      expect(readerOf(agent).ready()).toEqual({ ready: false, reason: v.expect.reason })
      expect(readerOf(agent).health().lastError?.code).toBe(v.expect.reason)
      await expect(agent.getAll()).rejects.toMatchObject({ code: v.expect.reason })
    }
  })
})
