// Issue 18 item 5 at the wire: a local client holding 600 idle connections (more than the 512
// slots), and renewing each one the server closes, must not lock a new client out of the API or
// the probe listener.
import { rawRequest, sendUntilOk, startIdleFlood } from '@clef-sh/testing'
import { describe, expect, it } from 'vitest'
import { serveApi, serveProbe } from './index.ts'
import { TOKEN } from './testing/api-cases.ts'
import { createFakeReader, SAMPLE_VALUES } from './testing/fake-reader.ts'

const FLOOD = 600
const WITHIN_MS = 3000

/** Sends `text` on new connections until it is answered 200 or WITHIN_MS has passed. */
const untilServed = (port: number, text: string) => sendUntilOk(port, text, WITHIN_MS)

describe('connection slots under an idle flood', () => {
  it(`serves health and secrets within ${WITHIN_MS} ms while ${FLOOD} idle connections are held and renewed`, async () => {
    await using api = await serveApi(createFakeReader().reader, { token: TOKEN, port: 0 })
    await using flood = await startIdleFlood(api.port, FLOOD)
    const host = `Host: 127.0.0.1:${api.port}`
    const health = await untilServed(api.port, rawRequest('/v1/health', [host]))
    expect(health.status).toBe(200)
    expect(health.elapsed).toBeLessThan(WITHIN_MS)
    const secrets = await untilServed(
      api.port,
      rawRequest('/v1/secrets', [host, `Authorization: Bearer ${TOKEN}`]),
    )
    expect([secrets.status, secrets.body]).toEqual([200, JSON.stringify(SAMPLE_VALUES)])
    expect(secrets.elapsed).toBeLessThan(WITHIN_MS)
    // The flood really held the slots: the server closed idle ones and the client renewed them.
    expect(flood.opened()).toBeGreaterThan(FLOOD)
  })

  it(`answers the probe listener within ${WITHIN_MS} ms under the same flood`, async () => {
    await using probe = await serveProbe(createFakeReader().reader, { port: 0, hostname: '127.0.0.1' })
    await using flood = await startIdleFlood(probe.port, FLOOD)
    const health = await untilServed(probe.port, rawRequest('/v1/health', ['Host: pod']))
    expect(health.status).toBe(200)
    expect(health.elapsed).toBeLessThan(WITHIN_MS)
    expect(flood.opened()).toBeGreaterThan(FLOOD)
  })
})
