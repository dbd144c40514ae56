import { request, Agent, createServer } from 'node:http'
import { connect } from 'node:net'
import { isAgentError } from '@clef-sh/errors'
import { describe, expect, it } from 'vitest'
import { createServedSecrets, serveApi, type AgentReader, type ServedSecrets } from './index.ts'
import { runApiContract, TOKEN, type ApiRequest, type ApiResponse } from './testing/api-contract.ts'
import { createFakeReader } from './testing/fake-reader.ts'

interface SendOptions {
  agent?: Agent
}

/** Sends `req` byte for byte: raw path, and no Host unless the case gives one. */
const send = (port: number, req: ApiRequest, opts: SendOptions = {}): Promise<ApiResponse> =>
  new Promise((resolve, reject) => {
    const options = { port, host: '127.0.0.1', method: req.method, path: req.path, headers: req.headers }
    const out = request({ ...options, setHost: false, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => {
        chunks.push(c)
      })
      res.on('end', () => {
        const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]))
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') })
      })
    })
    out.on('error', reject)
    out.end()
  })

runApiContract('serveApi over a socket (fast path + Hono)', async (reader) => {
  const api = await serveApi(reader, { token: TOKEN, port: 0 })
  return { port: api.port, send: (req) => send(api.port, req), close: () => api.close() }
})

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.on('error', () => {
      resolve(true)
    })
  })

/** A JIT-style reader whose `secrets()` waits until the test releases it. */
const gatedReader = (): { reader: AgentReader; entered: Promise<void>; release(): void } => {
  const fake = createFakeReader()
  let enter = (): void => {}
  let release = (): void => {}
  const entered = new Promise<void>((r) => (enter = r))
  const gate = new Promise<void>((r) => (release = r))
  const secrets = createServedSecrets('1-aaaaaaaa', { app: { A: 'b' } })
  const reader = {
    ...fake.reader,
    secrets: (): Promise<ServedSecrets> => {
      enter()
      return gate.then(() => secrets)
    },
  }
  return { reader, entered, release }
}

const authed = (port: number): ApiRequest => ({
  method: 'GET',
  path: '/v1/secrets',
  headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}` },
})

describe('serveApi', () => {
  it('binds 127.0.0.1 on a free port and guards Host with the bound port', async () => {
    await using api = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0 })
    expect(api.server.address()).toMatchObject({ address: '127.0.0.1', port: api.port })
    expect(api.port).toBeGreaterThan(0)
    expect((await send(api.port, authed(api.port))).status).toBe(200)
  })

  it('lets an in-flight request finish on close, closes keep-alive sockets and releases the port', async () => {
    const gated = gatedReader()
    const api = await serveApi(gated.reader, { token: TOKEN, port: 0 })
    const agent = new Agent({ keepAlive: true })
    const inFlight = send(api.port, authed(api.port), { agent })
    await gated.entered
    const started = Date.now()
    const closed = api.close()
    expect(await refused(api.port)).toBe(true)
    gated.release()
    const res = await inFlight
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ app: { A: 'b' } })
    await closed
    // Well under node's 5 s keep-alive timeout: the idle socket was closed, not waited out.
    expect(Date.now() - started).toBeLessThan(1000)
    expect(api.close()).toBe(closed)
    const again = createServer()
    await new Promise<void>((resolve) => again.listen(api.port, '127.0.0.1', resolve))
    await new Promise((resolve) => again.close(resolve))
    agent.destroy()
  })

  it('cuts requests still running after forceCloseAfterMs', async () => {
    const gated = gatedReader()
    const api = await serveApi(gated.reader, { token: TOKEN, port: 0, forceCloseAfterMs: 50 })
    const inFlight = send(api.port, authed(api.port)).then(
      () => 'answered',
      () => 'cut',
    )
    await gated.entered
    await api.close()
    expect(await inFlight).toBe('cut')
    gated.release()
  })

  it('rejects with config_invalid when the port is taken', async () => {
    await using first = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0 })
    const e: unknown = await serveApi(createFakeReader().reader, { token: TOKEN, port: first.port }).catch(
      (err: unknown) => err,
    )
    expect(isAgentError(e) && e.code).toBe('config_invalid')
    expect((e as Error).message).toContain('EADDRINUSE')
  })

  it('rejects an empty token without leaving a listener behind', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as { port: number }
    await new Promise((resolve) => probe.close(resolve))
    const e: unknown = await serveApi(createFakeReader().reader, { token: '', port }).catch(
      (err: unknown) => err,
    )
    expect(isAgentError(e) && e.code).toBe('config_invalid')
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(await refused(port)).toBe(true)
  })
})
