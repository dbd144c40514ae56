// A readiness check made while the first load runs waits for it, at most READY_WAIT_MS (500 ms),
// so the caller learns the outcome in one request instead of `not_loaded` and another probe.
import { createServer, type Server } from 'node:http'
import { describe, expect, it } from 'vitest'
import { createAgeKey, packArtifact } from '@clef-sh/testing'
import { freePort } from '@clef-sh/testing'
import { startDaemon } from './harness.ts'

/**
 * An origin that holds GET /a.json until `release()`, then answers `body`; `requested` resolves
 * once the agent's fetch arrived (its first load is then in progress).
 */
const heldOrigin = async (body: string) => {
  let arrived!: () => void
  const requested = new Promise<void>((resolve) => (arrived = resolve))
  const held: (() => void)[] = []
  const server: Server = createServer((_req, res) => {
    held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body))
    arrived()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${String(port)}/a.json`,
    requested,
    release: () => {
      for (const answer of held.splice(0)) answer()
    },
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** A daemon whose first load waits on a held origin; disposing it stops both. */
const startWithHeldOrigin = async () => {
  const key = await createAgeKey()
  const packed = await packArtifact({ values: { app: { V: 'x' } }, recipient: key.recipient })
  const origin = await heldOrigin(packed)
  const probePort = await freePort()
  const daemon = await startDaemon({
    CLEF_AGENT_SOURCE: origin.url,
    CLEF_AGENT_AGE_KEY: key.identity,
    CLEF_AGENT_PROBE_PORT: String(probePort),
  })
  await origin.requested
  return {
    daemon,
    origin,
    /** GET `path` on the probe listener (no token). */
    probe: async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${String(probePort)}${path}`)
      return { status: res.status, json: await res.json() }
    },
    [Symbol.asyncDispose]: async () => {
      await daemon[Symbol.asyncDispose]()
      await origin[Symbol.asyncDispose]()
    },
  }
}

const timed = async <T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const t0 = performance.now()
  const value = await f()
  return { value, ms: performance.now() - t0 }
}

describe('/v1/ready during the first load', () => {
  it('waits no longer than 500 ms for a slow first load, then says not_loaded', async () => {
    await using slow = await startWithHeldOrigin()
    const d = slow.daemon
    const [first, probed] = await Promise.all([
      timed(() => d.get('/v1/ready')),
      timed(() => slow.probe('/v1/ready')),
    ])
    for (const { value, ms } of [first, probed]) {
      expect(value.json).toEqual({ ready: false, reason: 'not_loaded' })
      expect(value.status).toBe(503)
      expect(ms).toBeGreaterThanOrEqual(450)
      expect(ms).toBeLessThan(2000)
    }
  })

  it('answers 200 once a first load shorter than the wait ends; a check after the load answers at once', async () => {
    await using slow = await startWithHeldOrigin()
    const d = slow.daemon
    // Listening, the origin holding its answer: these checks wait out the rest of the load, which
    // ends when the origin answers, 100 ms after they were sent.
    const checks = Promise.all([d.get('/v1/ready'), slow.probe('/v1/ready')])
    setTimeout(slow.origin.release, 100)
    const [first, probed] = await checks
    expect(first.status).toBe(200)
    expect(probed).toEqual({ status: 200, json: { ready: true } })
    const after = await timed(() => d.get('/v1/ready'))
    expect(after.value.status).toBe(200)
    // Well under the 500 ms a check waits for a load in progress.
    expect(after.ms).toBeLessThan(300)
  })
})
