import { createHash } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { startHttpOrigin } from './http-origin.ts'

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers })

describe('startHttpOrigin', () => {
  it('serves the artifact at any path with a quoted sha256-prefix ETag', async () => {
    await using origin = await startHttpOrigin({ body: '{"a":1}' })
    expect(origin.url).toBe(`http://127.0.0.1:${origin.port}/artifact.json`)
    const res = await get(`http://127.0.0.1:${origin.port}/any/where`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('{"a":1}')
    const hash = createHash('sha256').update('{"a":1}').digest('hex')
    expect(res.headers.get('etag')).toBe(`"${hash.slice(0, 16)}"`)
    expect(res.headers.get('content-length')).toBe('7')
    expect(origin.stats).toEqual({ requests: 1, notModified: 0, bodyBytesSent: 7, clientAborts: 0 })
  })

  it('answers 404 without a body and 304 with no body bytes to a matching If-None-Match', async () => {
    await using origin = await startHttpOrigin()
    expect((await get(origin.url)).status).toBe(404)
    origin.setBody('v2')
    const etag = (await get(origin.url)).headers.get('etag') ?? ''
    origin.reset()
    const res = await get(origin.url, { 'if-none-match': `"other", ${etag}` })
    expect(res.status).toBe(304)
    expect(res.headers.get('etag')).toBe(etag)
    expect(origin.stats).toEqual({ requests: 1, notModified: 1, bodyBytesSent: 0, clientAborts: 0 })
    expect(origin.lastRequestHeaders?.['if-none-match']).toContain(etag)
    origin.setBody('v3')
    expect(await (await get(origin.url, { 'if-none-match': etag })).text()).toBe('v3')
  })

  it('sends no ETag in etag "none" mode and ignores If-None-Match', async () => {
    await using origin = await startHttpOrigin({ body: 'x', etag: 'none' })
    const res = await get(origin.url, { 'if-none-match': '*' })
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).toBeNull()
  })

  it('fails with a status and headers until cleared', async () => {
    await using origin = await startHttpOrigin({ body: 'ok' })
    origin.failWith(429, { 'retry-after': '7' })
    const res = await get(origin.url)
    expect([res.status, res.headers.get('retry-after'), await res.text()]).toEqual([
      429,
      '7',
      'Too Many Requests',
    ])
    origin.failWith(null)
    expect(await (await get(origin.url)).text()).toBe('ok')
  })

  it('streams without Content-Length in chunked mode', async () => {
    await using origin = await startHttpOrigin({ body: 'y'.repeat(100_000) })
    origin.chunked = true
    const res = await get(origin.url)
    expect(res.headers.get('content-length')).toBeNull()
    expect(res.headers.get('transfer-encoding')).toBe('chunked')
    expect((await res.text()).length).toBe(100_000)
  })

  it('counts a client that hangs up mid-body, and stops writing to it', async () => {
    const size = 8 * 1024 * 1024
    await using origin = await startHttpOrigin({ body: 'z'.repeat(size) })
    origin.chunked = true
    const ctrl = new AbortController()
    const res = await fetch(origin.url, { signal: ctrl.signal })
    const reader = res.body?.getReader()
    await reader?.read()
    ctrl.abort()
    await vi.waitFor(() => {
      expect(origin.stats.clientAborts).toBe(1)
    })
    expect(origin.stats.bodyBytesSent).toBeLessThan(size)
  })

  it('adds latency', async () => {
    await using origin = await startHttpOrigin({ body: 'slow' })
    origin.delayMs = 80
    const started = performance.now()
    await (await get(origin.url)).text()
    expect(performance.now() - started).toBeGreaterThanOrEqual(70)
  })

  it('refuses connections while stopped and serves again on the same port after restart', async () => {
    await using origin = await startHttpOrigin({ body: 'back' })
    await origin.stop()
    await expect(get(origin.url)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } })
    await origin.restart()
    expect(await (await get(origin.url)).text()).toBe('back')
  })

  it('closes open connections on stop, even mid-delay', async () => {
    await using origin = await startHttpOrigin({ body: 'never' })
    origin.delayMs = 5_000
    const pending = get(origin.url)
    await new Promise((resolve) => setTimeout(resolve, 30))
    await origin.stop()
    await expect(pending).rejects.toThrow()
  })
})
