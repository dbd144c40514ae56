import { startHttpOrigin, startOtlpReceiver } from '@clef-sh/testing'
import { describe, expect, it, vi } from 'vitest'
import { createTelemetry } from './create-telemetry.ts'

const RESOURCE = { agentId: 'agent-7', sourceType: 'file', version: '9.9.9' }
const SECRET = 'tel-Redirect-Token-9'

describe('telemetry auth headers never follow a redirect off the collector', () => {
  it('refuses a 307 to a second server, which receives nothing, and logs why without the token', async () => {
    await using rx = await startOtlpReceiver()
    await using collector = await startHttpOrigin()
    collector.failWith(307, { location: `${rx.url}/v1/logs` })
    const warn = vi.fn()
    const telemetry = createTelemetry({
      url: `http://ingest:pw-${SECRET}@127.0.0.1:${collector.port}`,
      resource: RESOURCE,
      headers: () => ({ 'x-api-key': SECRET }),
      logger: { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() },
    })
    telemetry.emit({ name: 'agent.stopped', fields: { reason: 'test' } })
    await telemetry.flush()
    expect(collector.stats.requests).toBe(1)
    expect(rx.connections).toBe(0)
    expect(rx.exports).toHaveLength(0)
    expect(telemetry.stats).toMatchObject({ sent: 0, failed: 1, dropped: 1 })
    expect(warn).toHaveBeenCalledWith(
      'telemetry export failed',
      expect.objectContaining({
        error: `redirect to http://127.0.0.1:${new URL(rx.url).port} refused (credentials stay on the same https origin)`,
        retrying: false,
      }),
    )
    expect(JSON.stringify(warn.mock.calls)).not.toContain(SECRET)
    await telemetry.shutdown(100)
  })

  it('without auth headers, follows a 307 to the collector and delivers', async () => {
    await using rx = await startOtlpReceiver()
    await using front = await startHttpOrigin()
    front.failWith(307, { location: `${rx.url}/v1/logs` })
    const telemetry = createTelemetry({ url: `http://127.0.0.1:${front.port}`, resource: RESOURCE })
    telemetry.emit({ name: 'agent.stopped', fields: { reason: 'test' } })
    await telemetry.flush()
    expect(rx.records()).toHaveLength(1)
    await telemetry.shutdown(100)
  })

  it('names a redirect loop', async () => {
    await using loop = await startHttpOrigin()
    loop.failWith(308, { location: `http://127.0.0.1:${loop.port}/v1/logs` })
    const warn = vi.fn()
    const telemetry = createTelemetry({
      url: `http://127.0.0.1:${loop.port}`,
      resource: RESOURCE,
      logger: { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() },
    })
    telemetry.emit({ name: 'agent.stopped', fields: { reason: 'test' } })
    await telemetry.flush()
    expect(warn).toHaveBeenCalledWith(
      'telemetry export failed',
      expect.objectContaining({ error: 'too many redirects' }),
    )
    await telemetry.shutdown(100)
  })
})
