import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, vi } from 'vitest'
import type { Logger } from '@clef-sh/errors'
import { refusingUrl, startOtlpReceiver } from '@clef-sh/testing'
import { createTelemetry, type TelemetryOptions } from './create-telemetry.ts'
import type { TelemetryEvent } from './events.ts'
import { postLogs } from './post-logs.ts'

const RESOURCE = { agentId: 'agent-7', sourceType: 'file', version: '9.9.9' }
const stopped = (reason: string): TelemetryEvent => ({ name: 'agent.stopped', fields: { reason } })
const quick: Partial<TelemetryOptions> = { retryBaseMs: 5, retryMaxMs: 20, requestTimeoutMs: 100 }

const recordingLogger = (): Logger & { text: () => string } => {
  const lines: unknown[] = []
  const at = (level: string) => (msg: string, fields?: unknown) => {
    lines.push({ level, msg, fields })
  }
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () => JSON.stringify(lines),
  }
}

describe('createTelemetry: delivery', () => {
  it('flush() posts every queued event to /v1/logs with the resource and the auth headers', async () => {
    await using rx = await startOtlpReceiver()
    const headers = vi.fn(() => ({ authorization: 'Bearer tel-token-1' }))
    const telemetry = createTelemetry({
      url: rx.url,
      resource: RESOURCE,
      headers,
      now: () => 1_700_000_000_000,
    })
    telemetry.emit(stopped('a'))
    telemetry.emit({
      name: 'fetch.failed',
      fields: { code: 'source_unreachable', message: 'down', transient: true },
    })
    await telemetry.flush()
    expect(rx.exports).toHaveLength(1)
    expect(rx.exports[0]).toMatchObject({ path: '/v1/logs', problems: [] })
    expect(rx.exports[0]?.headers['authorization']).toBe('Bearer tel-token-1')
    expect(rx.records().map((r) => [r.eventName, r.timeUnixNano])).toEqual([
      ['clef.agent.stopped', '1700000000000000000'],
      ['clef.fetch.failed', '1700000000000000000'],
    ])
    expect(rx.records()[1]?.attributes).toMatchObject({
      'clef.code': 'source_unreachable',
      'clef.transient': true,
    })
    expect(rx.records()[0]?.resource).toMatchObject({
      'service.instance.id': 'agent-7',
      'service.version': '9.9.9',
    })
    expect(telemetry.stats).toEqual({ sent: 2, dropped: 0, failed: 0 })
    await telemetry.shutdown(100)
  })

  it('sends on its own after the flush interval, in batches of maxBatch', async () => {
    await using rx = await startOtlpReceiver()
    const telemetry = createTelemetry({ url: rx.url, resource: RESOURCE, flushIntervalMs: 10, maxBatch: 2 })
    for (const r of ['1', '2', '3']) telemetry.emit(stopped(r))
    await rx.waitFor((records) => records.length === 3)
    expect(rx.exports.map((e) => e.text.match(/clef\.agent\.stopped/g)?.length)).toEqual([2, 1])
    await telemetry.shutdown(100)
  })

  it('reads the resource at each request', async () => {
    await using rx = await startOtlpReceiver()
    let identity: string | undefined = undefined
    const telemetry = createTelemetry({ url: rx.url, resource: () => ({ ...RESOURCE, identity }) })
    telemetry.emit(stopped('a'))
    await telemetry.flush()
    identity = 'billing'
    telemetry.emit(stopped('b'))
    await telemetry.flush()
    expect(rx.records().map((r) => r.resource['clef.identity'])).toEqual([undefined, 'billing'])
    await telemetry.shutdown(100)
  })

  it('counts records refused in a partial success as dropped', async () => {
    await using rx = await startOtlpReceiver()
    rx.rejectEach = 1
    const telemetry = createTelemetry({ url: rx.url, resource: RESOURCE })
    telemetry.emit(stopped('a'))
    telemetry.emit(stopped('b'))
    await telemetry.flush()
    expect(telemetry.stats).toEqual({ sent: 1, dropped: 1, failed: 0 })
    await telemetry.shutdown(100)
  })
})

describe('createTelemetry: failures', () => {
  it('retries a retryable failure with backoff and delivers once', async () => {
    await using rx = await startOtlpReceiver(503)
    const logger = recordingLogger()
    const telemetry = createTelemetry({ url: rx.url, resource: RESOURCE, logger, ...quick })
    telemetry.emit(stopped('a'))
    await telemetry.flush()
    expect(telemetry.stats).toMatchObject({ sent: 0, failed: 1 })
    expect(telemetry.queued).toBe(1)
    rx.mode = 'accept'
    await rx.waitFor((records) => records.length === 1)
    await vi.waitFor(() => {
      expect(telemetry.stats).toEqual({ sent: 1, dropped: 0, failed: 1 })
    })
    expect(logger.text()).toContain('telemetry export failed')
    expect(logger.text()).toContain('telemetry export recovered')
    await telemetry.shutdown(100)
  })

  it('drops a batch the collector refuses for good (4xx), or after maxAttempts', async () => {
    await using rx = await startOtlpReceiver(401)
    const telemetry = createTelemetry({ url: rx.url, resource: RESOURCE, ...quick, maxAttempts: 2 })
    telemetry.emit(stopped('a'))
    await telemetry.flush()
    expect(telemetry.stats).toEqual({ sent: 0, dropped: 1, failed: 1 })
    rx.mode = 502
    telemetry.emit(stopped('b'))
    await telemetry.flush()
    await vi.waitFor(() => {
      expect(telemetry.stats).toEqual({ sent: 0, dropped: 2, failed: 3 })
    })
    expect(telemetry.queued).toBe(0)
    await telemetry.shutdown(100)
  })

  it('keeps at most maxBuffer events, dropping the oldest, while the collector is away', async () => {
    const url = await refusingUrl()
    const telemetry = createTelemetry({ url, resource: RESOURCE, maxBuffer: 10, ...quick })
    for (let i = 0; i < 1000; i++) telemetry.emit(stopped(String(i)))
    expect(telemetry.queued).toBe(10)
    expect(telemetry.stats.dropped).toBe(990)
    await telemetry.shutdown(50)
    expect(telemetry.stats.dropped).toBe(1000)
    expect(telemetry.stats.failed).toBeGreaterThanOrEqual(1)
  })

  it('a black-holed collector: emit stays synchronous, requests time out, shutdown keeps its deadline', async () => {
    await using rx = await startOtlpReceiver('blackhole')
    // The request timeout outlasts the 200 ms the emit loop may take, so the request is always on the
    // wire before it times out (a 100 ms timeout raced the loop on a loaded machine).
    const telemetry = createTelemetry({
      url: rx.url,
      resource: RESOURCE,
      maxBuffer: 50,
      ...quick,
      requestTimeoutMs: 250,
    })
    telemetry.emit(stopped('first'))
    const flushed = telemetry.flush()
    const t0 = performance.now()
    for (let i = 0; i < 10_000; i++) telemetry.emit(stopped(String(i)))
    expect(performance.now() - t0).toBeLessThan(200)
    expect(telemetry.queued).toBeLessThanOrEqual(51)
    await flushed
    expect(telemetry.stats.failed).toBe(1)
    expect(rx.connections).toBe(1)
    const s0 = performance.now()
    await telemetry.shutdown(60)
    expect(performance.now() - s0).toBeLessThan(150)
    expect(telemetry.queued).toBe(0)
    expect(telemetry.stats.sent).toBe(0)
  })

  it('after shutdown, events are counted as dropped and shutdown is idempotent', async () => {
    await using rx = await startOtlpReceiver()
    const telemetry = createTelemetry({ url: rx.url, resource: RESOURCE })
    telemetry.emit(stopped('before'))
    const first = telemetry.shutdown(500)
    expect(telemetry.shutdown(1)).toBe(first)
    await first
    expect(rx.records()).toHaveLength(1)
    telemetry.emit(stopped('after'))
    expect(telemetry.stats).toEqual({ sent: 1, dropped: 1, failed: 0 })
  })

  it('never logs header values, even when fetch refuses them', async () => {
    await using rx = await startOtlpReceiver()
    const logger = recordingLogger()
    const telemetry = createTelemetry({
      url: rx.url,
      resource: RESOURCE,
      logger,
      headers: () => ({ 'x-key': 'sekrit\u0001value' }),
      ...quick,
    })
    telemetry.emit(stopped('a'))
    await telemetry.flush()
    expect(telemetry.stats.failed).toBe(1)
    expect(logger.text()).toContain('telemetry export failed')
    expect(logger.text()).not.toContain('sekrit')
    await telemetry.shutdown(10)
  })
})

describe('postLogs', () => {
  it('honours Retry-After on 429 and treats it as retryable', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(429, { 'retry-after': '7' }).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`)
    const result = await postLogs({
      url,
      body: '{}',
      headers: {},
      fetch,
      timeoutMs: 1000,
      signal: new AbortController().signal,
    })
    server.close()
    expect(result).toEqual({ ok: false, retryable: true, status: 429, retryAfterMs: 7000 })
  })
})
