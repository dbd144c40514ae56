import { describe, expect, it } from 'vitest'
import { createApiCore } from './api-core.ts'
import { serveApi } from './serve.ts'
import { createFakeReader } from './testing/fake-reader.ts'

const TOKEN = 'hook-token'
const OK = { host: '127.0.0.1', authorization: `Bearer ${TOKEN}` }

const recorder = () => {
  const seen: [string, number][] = []
  return { seen, onRequest: (route: string, status: number) => void seen.push([route, status]) }
}

describe('ApiOptions.onRequest', () => {
  it('reports each answer of the core by route and status, sync and async alike', async () => {
    const fake = createFakeReader()
    const { seen, onRequest } = recorder()
    const core = createApiCore(fake.reader, { token: TOKEN, port: 7779, onRequest })
    core.handle('secrets', OK)
    core.handle('secret', { host: '127.0.0.1' }, 'app__API_KEY')
    core.handle('health', { host: 'evil.example' })
    core.unmatched(OK, '/v1/nope')
    core.unmatched(OK, '/v1/refresh')
    fake.reset({ async: true })
    const pending = core.handle('keys', OK)
    expect(seen).toHaveLength(5)
    await pending
    expect(seen).toEqual([
      ['secrets', 200],
      ['secret', 401],
      ['health', 403],
      ['unmatched', 404],
      ['unmatched', 405],
      ['keys', 200],
    ])
  })

  it('is optional, and serveApi passes it to the core of both listeners', async () => {
    const fake = createFakeReader()
    expect(() => createApiCore(fake.reader, { token: TOKEN, port: 1 }).handle('ready', OK)).not.toThrow()
    const { seen, onRequest } = recorder()
    await using api = await serveApi(fake.reader, { token: TOKEN, port: 0, onRequest })
    const base = `http://127.0.0.1:${api.port}`
    await (await fetch(`${base}/v1/secrets`, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer()
    await (await fetch(`${base}/v1/refresh`, { method: 'POST' })).arrayBuffer()
    await (await fetch(`${base}/v1/metrics`)).arrayBuffer()
    expect(seen).toEqual([
      ['secrets', 200],
      ['refresh', 401],
      ['metrics', 200],
    ])
  })
})
