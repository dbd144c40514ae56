// /v1/health through the real daemon keeps Clef's fields and types, so Clef's clients keep
// working: `status` is "ok" whenever the agent answers, `lastRefreshAt` epoch ms or null; the
// finer state and an ISO time are added fields.
import { describe, expect, it } from 'vitest'
import { freePort, vector, vectorPath } from '@clef-sh/testing'
import { startDaemon, waitLoaded } from './harness.ts'

const basic = vector('age-basic')

interface Health {
  status: unknown
  state: unknown
  lastRefreshAt: unknown
  lastRefreshTime: unknown
}

describe('/v1/health fields', () => {
  it('says status "ok" with lastRefreshAt null while nothing could be loaded; the state says why', async () => {
    const closed = await freePort()
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: `http://127.0.0.1:${closed}/artifact.json`,
      CLEF_AGENT_AGE_KEY: basic.ageKey ?? '',
    })
    await waitLoaded(d)
    expect((await d.get('/v1/health', { auth: false })).json).toMatchObject({
      status: 'ok',
      state: 'unavailable',
      lastRefreshAt: null,
      lastRefreshTime: null,
      lastError: { code: 'source_unreachable' },
    })
  })

  it('gives lastRefreshAt in epoch milliseconds once loaded, and the same time as ISO in lastRefreshTime', async () => {
    const before = Date.now()
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: vectorPath(basic),
      CLEF_AGENT_AGE_KEY: basic.ageKey ?? '',
    })
    await waitLoaded(d)
    const health = (await d.get('/v1/health', { auth: false })).json as Health
    expect([health.status, health.state]).toEqual(['ok', 'ok'])
    expect(typeof health.lastRefreshAt).toBe('number')
    const at = health.lastRefreshAt as number
    expect(at).toBeGreaterThanOrEqual(before)
    expect(at).toBeLessThanOrEqual(Date.now())
    expect(health.lastRefreshTime).toBe(new Date(at).toISOString())
  })
})
