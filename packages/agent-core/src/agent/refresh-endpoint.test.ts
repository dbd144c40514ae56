import { describe, expect, it } from 'vitest'
import { serveApi } from '@clef-sh/http-api'
import { createFakeClock, createPacker, parsePrometheusText, startHttpOrigin } from '@clef-sh/testing'
import { createAgent } from './create-agent.ts'
import { testConfig, readerOf } from './test-support.ts'

const TOKEN = 'refresh-test-token-0123456789'
const revisionOf = (text: string): string => (JSON.parse(text) as { revision: string }).revision

const rig = async () => {
  const origin = await startHttpOrigin()
  const clock = createFakeClock()
  const packer = await createPacker(clock)
  const agent = createAgent(
    testConfig({
      source: { kind: 'http', url: origin.url },
      ageKey: { kind: 'inline', value: packer.identity },
    }),
    { now: clock.now, timers: clock.timers, random: () => 0.5 },
  )
  const publish = async (values: Record<string, Record<string, string>>): Promise<string> => {
    clock.advance(1000)
    const text = await packer.pack(values)
    origin.setBody(text)
    origin.reset()
    return revisionOf(text)
  }
  return { origin, agent, publish }
}

describe('POST /v1/refresh through the real API', () => {
  it('fetches at once, coalesces concurrent calls into one fetch, needs the token, and shows in /v1/metrics', async () => {
    const { origin, agent, publish } = await rig()
    await using _origin = origin
    await using _agent = agent
    await publish({ app: { K: 'v1' } })
    await agent.start()
    await using api = await serveApi(readerOf(agent), {
      token: TOKEN,
      port: 0,
      onRequest: agent.serving.recordRequest,
    })
    const url = (path: string) => `http://127.0.0.1:${api.port}${path}`
    const auth = { authorization: `Bearer ${TOKEN}` }
    const refresh = async (headers: Record<string, string> = auth) => {
      const res = await fetch(url('/v1/refresh'), { method: 'POST', headers })
      const body: unknown = await res.json()
      return { status: res.status, body }
    }

    expect(await refresh({})).toEqual({
      status: 401,
      body: expect.objectContaining({ code: 'unauthorized' }),
    })
    expect(await refresh({ authorization: 'Bearer wrong' })).toMatchObject({ status: 401 })
    // Only the fetch of start(): a refused refresh never reaches the source.
    expect(origin.stats.requests).toBe(1)

    const second = await publish({ app: { K: 'v2' } })
    expect(await refresh()).toEqual({ status: 200, body: { revision: second } })
    expect(origin.stats.requests).toBe(1)
    const served = await fetch(url('/v1/secrets'), { headers: auth })
    expect(await served.json()).toEqual({ app: { K: 'v2' } })

    const third = await publish({ app: { K: 'v3' } })
    origin.delayMs = 150
    const answers = await Promise.all(Array.from({ length: 8 }, () => refresh()))
    expect(answers).toEqual(Array.from({ length: 8 }, () => ({ status: 200, body: { revision: third } })))
    expect(origin.stats.requests).toBe(1)

    origin.delayMs = 0
    origin.failWith(500)
    expect(await refresh()).toMatchObject({ status: 503, body: { code: expect.stringMatching(/^source_/) } })
    expect((await fetch(url('/nope'))).status).toBe(404)

    const metrics = parsePrometheusText(await (await fetch(url('/v1/metrics'))).text())
    const requests = (route: string, status: string) =>
      metrics.value('clef_agent_http_requests_total', { route, status })
    expect(requests('refresh', '401')).toBe(2)
    expect(requests('refresh', '200')).toBe(9)
    expect(requests('refresh', '503')).toBe(1)
    expect(requests('secrets', '200')).toBe(1)
    expect(requests('unmatched', '404')).toBe(1)
    expect(metrics.value('clef_agent_source_fetch_total', { outcome: 'changed' })).toBe(3)
    expect(metrics.value('clef_agent_source_fetch_total', { outcome: 'error' })).toBe(1)
    expect(metrics.value('clef_agent_refresh_total', { outcome: 'success', code: 'none' })).toBe(3)
    expect(metrics.value('clef_agent_decrypt_duration_seconds_count')).toBe(3)
    expect(metrics.value('clef_agent_revision_info', { revision: third })).toBe(1)
  })
})
