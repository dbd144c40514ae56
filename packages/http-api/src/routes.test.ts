import { describe, expect, it } from 'vitest'
import { ROUTES, createMatcher, pathOf } from './routes.ts'
import { serveApi, serveProbe } from './index.ts'
import { TOKEN } from './testing/api-cases.ts'
import { createFakeReader } from './testing/fake-reader.ts'

const pathFor = (path: string): string => path.replace(/:\w+$/, 'app__API_KEY')

const call = async (port: number, method: string, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}` },
  })
  return { status: res.status, allow: res.headers.get('allow'), body: await res.text() }
}

describe('the route table', () => {
  it('matches exact paths and one-segment params, and lists the methods of a known path', () => {
    const m = createMatcher()
    expect(m.match('/v1/secrets/a%2Fb').map((h) => [h.route.name, h.param])).toEqual([['secret', 'a%2Fb']])
    expect(m.match('/v1/secrets/a/b')).toEqual([])
    expect(m.match('/v1/secrets/')).toEqual([])
    expect(m.allow('/v1/refresh')).toBe('POST')
    expect(m.allow('/v1/secrets/x')).toBe('GET, HEAD')
    expect(m.allow('/v1/nope')).toBeUndefined()
    expect(pathOf('/v1/health?x=1')).toBe('/v1/health')
  })

  it('is what the API serves: every row answers its method, and another method gets 405 with Allow', async () => {
    await using api = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0 })
    for (const route of ROUTES) {
      const path = pathFor(route.path)
      expect((await call(api.port, route.method, path)).status, route.name).toBe(200)
      const other = await call(api.port, route.method === 'GET' ? 'PUT' : 'GET', path)
      expect([other.status, other.allow], route.name).toEqual([
        405,
        route.method === 'GET' ? 'GET, HEAD' : route.method,
      ])
    }
  })

  it('is what the probe serves: the probe rows only, whatever the Host', async () => {
    await using probe = await serveProbe(createFakeReader().reader, { port: 0, hostname: '127.0.0.1' })
    for (const route of ROUTES) {
      const res = await call(probe.port, route.method, pathFor(route.path))
      expect(res.status, route.name).toBe(route.probe ? 200 : 404)
    }
  })
})
