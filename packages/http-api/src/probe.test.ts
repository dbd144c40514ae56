import { describe, expect, it } from 'vitest'
import { serveProbe } from './probe.ts'
import { createFakeReader } from './testing/fake-reader.ts'

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
