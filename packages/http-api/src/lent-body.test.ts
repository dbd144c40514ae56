import { request, type IncomingMessage } from 'node:http'
import { describe, expect, it, vi } from 'vitest'
import { createServedSecrets, serveApi, type ServedSecrets } from './index.ts'
import { TOKEN } from './testing/api-contract.ts'
import { createFakeReader } from './testing/fake-reader.ts'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** JIT-style secrets whose bodies are lent: every hold and every give-back is counted. */
const lentSecrets = (values: Record<string, Record<string, string>>) => {
  const inner = createServedSecrets('1-aaaaaaaa', values)
  const given = vi.fn()
  const counts = { holds: 0 }
  const secrets: ServedSecrets = {
    revision: inner.revision,
    allBody: inner.allBody,
    keysBody: inner.keysBody,
    lookup: (name) => inner.lookup(name),
    hold: () => {
      counts.holds++
      return given
    },
  }
  return { secrets, given, counts }
}

/** A GET whose response is handed over before its body is read; the caller reads (or drops) it. */
const open = (port: number, path: string, method = 'GET'): Promise<IncomingMessage> =>
  new Promise((resolve, reject) => {
    const headers = { host: `127.0.0.1:${String(port)}`, authorization: `Bearer ${TOKEN}` }
    const req = request({ port, host: '127.0.0.1', path, method, headers, agent: false }, resolve)
    req.on('error', reject)
    req.end()
  })

const readAll = async (res: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

// About 16 MB of JSON: far more than a loopback socket buffers, so an unread response stays
// mid-write.
const BIG = {
  app: Object.fromEntries(Array.from({ length: 4096 }, (_, i) => [`K${String(i)}`, 'x'.repeat(4096)])),
}

describe('lent (JIT) bodies over the fast path', () => {
  it('are given back once, only after the response was written, while probes keep answering', async () => {
    const fake = createFakeReader()
    const lent = lentSecrets(BIG)
    fake.reset({ async: true, secrets: lent.secrets })
    await using api = await serveApi(fake.reader, { token: TOKEN, port: 0 })
    const res = await open(api.port, '/v1/secrets')
    res.pause()
    await sleep(100)
    // The body is still being written: it must not be zeroed or reused yet.
    expect(lent.counts.holds).toBe(1)
    expect(lent.given).not.toHaveBeenCalled()
    const health = await readAll(await open(api.port, '/v1/health'))
    expect(JSON.parse(health.toString('utf8'))).toMatchObject({ status: 'ok' })
    res.resume()
    expect((await readAll(res)).equals(Buffer.from(lent.secrets.allBody))).toBe(true)
    await vi.waitFor(() => {
      expect(lent.given).toHaveBeenCalledTimes(1)
    })
  })

  it('are given back when the client goes away mid-body', async () => {
    const fake = createFakeReader()
    const lent = lentSecrets(BIG)
    fake.reset({ async: true, secrets: lent.secrets })
    await using api = await serveApi(fake.reader, { token: TOKEN, port: 0 })
    const res = await open(api.port, '/v1/secrets')
    res.destroy()
    await vi.waitFor(() => {
      expect(lent.given).toHaveBeenCalledTimes(1)
    })
    expect(lent.counts.holds).toBe(1)
  })

  it('are copied and given back at once on the Hono path (HEAD), with the same length', async () => {
    const fake = createFakeReader()
    const lent = lentSecrets({ app: { A: 'b' } })
    fake.reset({ async: true, secrets: lent.secrets })
    await using api = await serveApi(fake.reader, { token: TOKEN, port: 0 })
    const res = await open(api.port, '/v1/secrets', 'HEAD')
    await readAll(res)
    expect(res.headers['content-length']).toBe(String(lent.secrets.allBody.byteLength))
    expect(lent.given).toHaveBeenCalledTimes(1)
  })

  it('per-key answers are held and given back too', async () => {
    const fake = createFakeReader()
    const lent = lentSecrets({ app: { A: 'b' } })
    fake.reset({ async: true, secrets: lent.secrets })
    await using api = await serveApi(fake.reader, { token: TOKEN, port: 0 })
    const body = await readAll(await open(api.port, '/v1/secrets/A'))
    expect(JSON.parse(body.toString('utf8'))).toEqual({ key: 'A', value: 'b' })
    await vi.waitFor(() => {
      expect(lent.given).toHaveBeenCalledTimes(1)
    })
  })
})
