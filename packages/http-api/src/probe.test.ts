import { AgentError, ErrorCode } from '@clef-sh/errors'
import { describe, expect, it, vi } from 'vitest'
import { serveProbe } from './probe.ts'
import { DEFAULT_LIMITS } from './server-limits.ts'
import { SAMPLE_HEALTH, createFakeReader } from './testing/fake-reader.ts'
import { rawRequest, sendRaw } from '@clef-sh/testing'

const get = async (port: number, path: string, init: { method?: string; host?: string } = {}) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: init.method ?? 'GET',
    headers: { host: init.host ?? '10.1.2.3:7780', authorization: 'Bearer anything' },
  })
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
}

describe('serveProbe', () => {
  it('serves health, ready and metrics whatever the Host, and nothing else', async () => {
    const fake = createFakeReader()
    await using probe = await serveProbe(fake.reader, { port: 0, hostname: '127.0.0.1' })
    const health = await get(probe.port, '/v1/health')
    expect([health.status, (JSON.parse(health.text) as { status: string }).status]).toEqual([200, 'ok'])
    expect(await get(probe.port, '/v1/ready?x=1')).toMatchObject({ status: 200, text: '{"ready":true}' })
    expect(await get(probe.port, '/v1/metrics')).toMatchObject({
      status: 200,
      type: 'text/plain; version=0.0.4',
    })
    for (const path of ['/v1/secrets', '/v1/secrets/app__API_KEY', '/v1/keys', '/v1/refresh', '/']) {
      expect(await get(probe.port, path)).toMatchObject({
        status: 404,
        text: '{"error":"not found","code":"not_found"}',
      })
    }
    expect((await get(probe.port, '/v1/refresh', { method: 'POST' })).status).toBe(404)
    expect(fake.calls.secrets).toBe(0)
  })

  it('answers 503 with the reason while not ready, 405 for other methods, and headers only to HEAD', async () => {
    const fake = createFakeReader()
    fake.reset({ ready: { ready: false, reason: 'signature_invalid' } })
    await using probe = await serveProbe(fake.reader, { port: 0, hostname: '127.0.0.1' })
    expect(await get(probe.port, '/v1/ready')).toMatchObject({
      status: 503,
      text: '{"ready":false,"reason":"signature_invalid"}',
    })
    expect((await get(probe.port, '/v1/health', { method: 'DELETE' })).status).toBe(405)
    expect(await get(probe.port, '/v1/health', { method: 'HEAD' })).toMatchObject({ status: 200, text: '' })
  })

  it('maps a failing reader to its error reply', async () => {
    const fake = createFakeReader()
    fake.reset({ health: new Error('boom') })
    await using probe = await serveProbe(fake.reader, { port: 0, hostname: '127.0.0.1' })
    expect(await get(probe.port, '/v1/health')).toMatchObject({
      status: 500,
      text: '{"error":"internal error","code":"internal"}',
    })
  })

  it('rejects with config_invalid when the port is taken, and closes idempotently', async () => {
    const fake = createFakeReader()
    const probe = await serveProbe(fake.reader, { port: 0, hostname: '127.0.0.1' })
    await expect(serveProbe(fake.reader, { port: probe.port, hostname: '127.0.0.1' })).rejects.toMatchObject({
      code: 'config_invalid',
    })
    await Promise.all([probe.close(), probe.close()])
    await expect(fetch(`http://127.0.0.1:${probe.port}/v1/health`)).rejects.toThrow()
  })
})

describe('serveProbe: codes only', () => {
  const LOCATION = 'https://storage.example/a.json?X-Goog-Signature=abc'
  const failed = {
    code: 'source_unreachable',
    message: `fetch ${LOCATION} failed`,
    at: '2024-01-01T00:00:00.000Z',
    hint: `check ${LOCATION}`,
  }

  it('shows lastError as its code and time, never its message or hint', async () => {
    const fake = createFakeReader()
    const health = { ...SAMPLE_HEALTH, state: 'degraded' as const, lastError: failed }
    fake.reset({ health })
    await using probe = await serveProbe(fake.reader, { port: 0, hostname: '127.0.0.1' })
    const res = await get(probe.port, '/v1/health')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text)).toEqual({ ...health, lastError: { code: failed.code, at: failed.at } })
    expect(res.text).not.toContain('storage.example')
  })

  it('answers a failing reader with its code, not its message', async () => {
    const fake = createFakeReader()
    fake.reset({ health: new AgentError(ErrorCode.SourceUnreachable, `fetch ${LOCATION} failed`) })
    await using probe = await serveProbe(fake.reader, { port: 0, hostname: '127.0.0.1' })
    expect(await get(probe.port, '/v1/health')).toMatchObject({
      status: 503,
      text: '{"error":"source unreachable","code":"source_unreachable"}',
    })
  })
})

describe('serveProbe: limits and errors', () => {
  it("uses the API's default limits", async () => {
    await using probe = await serveProbe(createFakeReader().reader, { port: 0, hostname: '127.0.0.1' })
    expect(probe.server.headersTimeout).toBe(DEFAULT_LIMITS.headersTimeoutMs)
    expect(probe.server.requestTimeout).toBe(DEFAULT_LIMITS.requestTimeoutMs)
    expect(probe.server.keepAliveTimeout).toBe(DEFAULT_LIMITS.keepAliveTimeoutMs)
    expect(probe.server.maxConnections).toBe(DEFAULT_LIMITS.maxConnections)
  })

  it('cuts a client that sends no headers within headersTimeout, and a slow one byte by byte', async () => {
    const limits = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 200 }
    await using probe = await serveProbe(createFakeReader().reader, {
      port: 0,
      hostname: '127.0.0.1',
      limits,
    })
    const silent = await sendRaw(probe.port, '')
    expect([silent.status, JSON.parse(silent.body)]).toEqual([
      408,
      { error: 'request timeout', code: 'request_timeout' },
    ])
    expect(silent.ms).toBeLessThan(2000)
    const slow = await sendRaw(
      probe.port,
      rawRequest('/v1/health', ['Host: x', `X-Pad: ${'p'.repeat(200)}`]),
      {
        pieceBytes: 1,
        pauseMs: 20,
      },
    )
    expect(slow.status).toBe(408)
    expect(slow.ms).toBeLessThan(2000)
  })

  it('logs a server error by code instead of crashing, and keeps answering', async () => {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    await using probe = await serveProbe(createFakeReader().reader, {
      port: 0,
      hostname: '127.0.0.1',
      logger,
    })
    // What node's accept reports when the process is out of file descriptors.
    probe.server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }))
    expect(logger.warn).toHaveBeenCalledWith('listener error', {
      listener: 'probe',
      code: 'EMFILE',
      suppressed: 0,
    })
    expect((await get(probe.port, '/v1/health')).status).toBe(200)
  })
})

describe('serveProbe: addresses', () => {
  it('binds dual-stack by default: IPv6 and IPv4 both answer', async () => {
    await using probe = await serveProbe(createFakeReader().reader, { port: 0 })
    expect([probe.hostname, probe.server.address()]).toMatchObject(['::', { address: '::' }])
    for (const host of ['127.0.0.1', '[::1]']) {
      const res = await fetch(`http://${host}:${probe.port}/v1/ready`)
      expect([host, res.status]).toEqual([host, 200])
    }
  })

  it('falls back to the next address when this host lacks one, but not when the port is taken', async () => {
    // 192.0.2.1 (TEST-NET-1) is on no interface: EADDRNOTAVAIL, as `::` is where IPv6 is missing.
    await using probe = await serveProbe(createFakeReader().reader, {
      port: 0,
      hostname: ['192.0.2.1', '127.0.0.1'],
    })
    expect(probe.hostname).toBe('127.0.0.1')
    expect((await fetch(`http://127.0.0.1:${probe.port}/v1/ready`)).status).toBe(200)
    await expect(
      serveProbe(createFakeReader().reader, { port: probe.port, hostname: ['127.0.0.1', '127.0.0.2'] }),
    ).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('EADDRINUSE') as unknown,
    })
  })
})
