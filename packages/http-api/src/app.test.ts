import { AgentError, ErrorCode, isAgentError, type ErrorCode as Code } from '@clef-sh/errors'
import { describe, expect, it, vi } from 'vitest'
import { createApp, STATUS } from './index.ts'
import { runApiContract, TOKEN, type ApiRequest, type ApiResponse } from './testing/api-contract.ts'
import { createFakeReader } from './testing/fake-reader.ts'

const PORT = 7779
const AUTH = { host: `127.0.0.1:${PORT}`, authorization: `Bearer ${TOKEN}` }

runApiContract('app.request', (reader) => {
  const app = createApp(reader, { token: TOKEN, port: PORT })
  const send = async (req: ApiRequest): Promise<ApiResponse> => {
    const res = await app.request(req.path, { method: req.method, headers: req.headers })
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() }
  }
  return { port: PORT, send, close: () => Promise.resolve() }
})

describe('createApp', () => {
  it('maps every stable code to its status and keeps the message', async () => {
    const fake = createFakeReader()
    const app = createApp(fake.reader, { token: TOKEN, port: PORT })
    for (const code of Object.values(ErrorCode) as Code[]) {
      fake.reset({ secretsError: new AgentError(code, `failed: ${code}`) })
      const res = await app.request('/v1/secrets', { headers: AUTH })
      expect(res.status, code).toBe(STATUS[code])
      expect(await res.json()).toEqual({ error: `failed: ${code}`, code })
    }
  })

  it('uses the statuses of docs/SPEC.md §7', () => {
    expect(STATUS).toMatchObject({
      not_loaded: 503,
      cache_expired: 503,
      kms_unwrap: 503,
      decrypt: 503,
      source_unreachable: 503,
      integrity: 503,
      revoked: 503,
      unauthorized: 401,
      forbidden_host: 403,
      not_found: 404,
      key_not_found: 404,
      key_ambiguous: 409,
      config_invalid: 500,
      internal: 500,
    })
  })

  it('answers cached secrets synchronously and JIT secrets with a promise', async () => {
    const fake = createFakeReader()
    const app = createApp(fake.reader, { token: TOKEN, port: PORT })
    const request = (): Request => new Request('http://127.0.0.1/v1/secrets', { headers: AUTH })
    const sync = app.fetch(request())
    expect(sync).toBeInstanceOf(Response)
    fake.reset({ async: true })
    const async = app.fetch(request())
    expect(async).toBeInstanceOf(Promise)
    expect((await async).status).toBe(200)
  })

  it('never asks for secrets before the Host guard and the token pass', async () => {
    const fake = createFakeReader()
    const app = createApp(fake.reader, { token: TOKEN, port: PORT })
    await app.request('/v1/secrets', { headers: { ...AUTH, host: 'evil.com' } })
    await app.request('/v1/secrets', { headers: { host: AUTH.host, authorization: 'Bearer nope' } })
    expect(fake.calls.secrets).toBe(0)
    await app.request('/v1/secrets', { headers: AUTH })
    expect(fake.calls.secrets).toBe(1)
  })

  it('logs the name of an unexpected failure, never its message', async () => {
    const fake = createFakeReader()
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    const app = createApp(fake.reader, { token: TOKEN, port: PORT, logger })
    fake.reset({ secretsError: new RangeError('value hunter2') })
    expect((await app.request('/v1/secrets', { headers: AUTH })).status).toBe(500)
    expect(logger.error).toHaveBeenCalledWith('API handler failed', { error: 'RangeError' })
    expect(JSON.stringify(logger.error.mock.calls)).not.toContain('hunter2')
  })

  it('refuses an empty token', () => {
    const fake = createFakeReader()
    let thrown: unknown
    try {
      createApp(fake.reader, { token: '', port: PORT })
    } catch (e) {
      thrown = e
    }
    expect(isAgentError(thrown) && thrown.code).toBe('config_invalid')
  })
})
