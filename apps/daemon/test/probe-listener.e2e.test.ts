// The probe listener of the real daemon as whoever reaches the pod IP sees it: codes only in
// /v1/health, and dual-stack.
import { describe, expect, it } from 'vitest'
import { freePort, vector, vectorPath } from '@clef-sh/testing'
import { startDaemon, waitLoaded } from './harness.ts'

const basic = vector('age-basic')
const basicEnv = { CLEF_AGENT_SOURCE: vectorPath(basic), CLEF_AGENT_AGE_KEY: basic.ageKey ?? '' }

const json = async (url: string): Promise<{ status: number; text: string }> => {
  const res = await fetch(url)
  return { status: res.status, text: await res.text() }
}

describe('probe listener of the daemon', () => {
  it('shows lastError by code and time only, never the message naming the source', async () => {
    const probePort = await freePort()
    const closed = await freePort()
    const source = `http://127.0.0.1:${closed}/where-the-secrets-live.json?X-Goog-Signature=sig-0f0f`
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: source,
      CLEF_AGENT_AGE_KEY: basic.ageKey ?? '',
      CLEF_AGENT_PROBE_PORT: String(probePort),
    })
    await waitLoaded(d)
    const api = (await d.get('/v1/health', { auth: false })).json as { lastError: Record<string, unknown> }
    expect(api.lastError).toMatchObject({
      code: 'source_unreachable',
      message: expect.any(String) as unknown,
    })
    const probe = await json(`http://127.0.0.1:${probePort}/v1/health`)
    expect(probe.status).toBe(200)
    const body = JSON.parse(probe.text) as { lastError: Record<string, unknown>; state: string }
    expect(body.lastError).toEqual({ code: 'source_unreachable', at: api.lastError['at'] })
    expect(body.state).toBe('unavailable')
    for (const leak of ['where-the-secrets-live', 'sig-0f0f', `:${closed}`])
      expect(probe.text).not.toContain(leak)
  })

  it('binds dual-stack: the probe answers on IPv6 and IPv4', async () => {
    const probePort = await freePort()
    await using d = await startDaemon({ ...basicEnv, CLEF_AGENT_PROBE_PORT: String(probePort) })
    await waitLoaded(d)
    expect((await json(`http://[::1]:${probePort}/v1/ready`)).status).toBe(200)
    expect((await json(`http://127.0.0.1:${probePort}/v1/ready`)).status).toBe(200)
    expect(d.output()).toContain(`"probe":"http://[::]:${probePort}"`)
  })
})
