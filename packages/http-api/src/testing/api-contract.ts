// Runs the case table of api-cases.ts against every way the API is reachable: in-process through
// `app.request()` and over a real socket through `serveApi` (fast path + Hono).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentReader } from '../reader.ts'
import { API_CASES, TOKEN, type ApiCase } from './api-cases.ts'
import { createFakeReader } from './fake-reader.ts'

export { TOKEN } from './api-cases.ts'

/** A raw request: `path` is sent as is (percent-encoding untouched); no Host header unless given. */
export interface ApiRequest {
  method: string
  path: string
  headers: Record<string, string>
}

/** A response with lower-cased header names and the body as text. */
export interface ApiResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** A running API under test. `port` is the one its Host guard was given. */
export interface ApiTarget {
  readonly port: number
  send(req: ApiRequest): Promise<ApiResponse>
  close(): Promise<void>
}

const hostHeader = (c: ApiCase, port: number): Record<string, string> => {
  const host =
    c.host === undefined ? `127.0.0.1:${port}` : typeof c.host === 'function' ? c.host(port) : c.host
  return host === null ? {} : { host }
}

const requestOf = (c: ApiCase, port: number): ApiRequest => {
  const auth = c.auth === undefined ? `Bearer ${TOKEN}` : c.auth
  const headers = { ...hostHeader(c, port), ...(auth === null ? {} : { authorization: auth }) }
  return { method: c.method ?? 'GET', path: c.path, headers }
}

const check = (c: ApiCase, res: ApiResponse): void => {
  expect(res.status).toBe(c.status)
  // Every answer is no-store, secrets and errors alike.
  expect(res.headers['cache-control']).toBe('no-store')
  if (c.text !== undefined) expect(res.body).toBe(c.text)
  if (c.json !== undefined) expect(JSON.parse(res.body)).toEqual(c.json)
  for (const [name, value] of Object.entries(c.headers ?? {})) expect(res.headers[name]).toBe(value)
  if (c.hidden !== undefined) expect(res.body).not.toContain(c.hidden)
  expect(res.body).not.toContain(TOKEN)
}

/** Every case of the table against one target made by `start(reader)`. */
export const runApiContract = (
  label: string,
  start: (reader: AgentReader) => ApiTarget | Promise<ApiTarget>,
): void => {
  describe(`API contract: ${label}`, () => {
    const fake = createFakeReader()
    let target: ApiTarget
    beforeAll(async () => {
      target = await start(fake.reader)
    })
    afterAll(() => target.close())
    it.each(API_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
      fake.reset(c.state)
      check(c, await target.send(requestOf(c, target.port)))
    })
  })
}
