// Issue 18 item 5 through the real daemon: a local client that holds 600 idle connections to the
// API port (more than its 512 slots) and renews each one the daemon closes must not lock a new
// client out: /v1/health and the secrets answer within 3 s, on a connection of its own.
import { describe, expect, it } from 'vitest'
import { rawRequest, sendUntilOk, startIdleFlood, vector, vectorPath } from '@clef-sh/testing'
import { startDaemon, TEST_TOKEN, waitLoaded } from './harness.ts'

const AGE_BASIC = vector('age-basic')
const FLOOD = 600
const WITHIN_MS = 3000

/** Sends `text` on new connections until it is answered 200 or WITHIN_MS has passed. */
const untilServed = (port: number, text: string) => sendUntilOk(port, text, WITHIN_MS)

describe('connection slots', () => {
  it(`serves health and secrets within ${WITHIN_MS} ms while ${FLOOD} idle connections are held and renewed`, async () => {
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: vectorPath(AGE_BASIC),
      CLEF_AGENT_AGE_KEY: AGE_BASIC.ageKey ?? '',
    })
    await waitLoaded(d)
    await using flood = await startIdleFlood(d.port, FLOOD)
    // The kernel completes handshakes before the daemon accepts: wait until the daemon has taken
    // the flood in and is closing connections (which the flood renews) before asking.
    const until = Date.now() + 5000
    while (flood.opened() <= FLOOD && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    expect(flood.opened()).toBeGreaterThan(FLOOD)
    const host = `Host: 127.0.0.1:${d.port}`
    const health = await untilServed(d.port, rawRequest('/v1/health', [host]))
    expect(health.status).toBe(200)
    expect(health.elapsed).toBeLessThan(WITHIN_MS)
    const secrets = await untilServed(
      d.port,
      rawRequest('/v1/secrets', [host, `Authorization: Bearer ${TEST_TOKEN}`]),
    )
    expect(secrets.status).toBe(200)
    expect(JSON.parse(secrets.body)).toEqual(AGE_BASIC.expect.ok ? AGE_BASIC.expect.values : undefined)
    expect(secrets.elapsed).toBeLessThan(WITHIN_MS)
  })
})
