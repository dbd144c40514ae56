// Liveness is not readiness (issue 17 item 1): through a source outage longer than the TTL, the
// liveness checks the examples use (`healthcheck --live`, /v1/health on the probe port) keep
// passing while readiness fails with its one-line reason, so an orchestrator marks the agent
// unready instead of restarting it. A restart anyway (a crash, a node drain) serves the last good
// secrets from the disk cache while the source is still down.
import { describe, expect, it } from 'vitest'
import { freePort, startHttpOrigin, tempDir, vector, vectorText } from '@clef-sh/testing'
import { runDaemon, startDaemon, type Daemon } from './harness.ts'

const AGE_BASIC = vector('age-basic')
const VALUES = AGE_BASIC.expect.ok ? AGE_BASIC.expect.values : {}
const TTL_S = 30
const STALE_S = 10

const status = async (d: Daemon, path: string): Promise<number> => (await d.get(path)).status

/** The CLI as an exec probe runs it: its exit code and its output. */
const healthcheck = (d: Daemon, ...args: string[]) =>
  runDaemon(['healthcheck', ...args], { CLEF_AGENT_PORT: String(d.port) })

describe('an outage of the source longer than the TTL', () => {
  it(
    'keeps liveness passing while readiness fails with its reason; a restart serves the disk cache',
    { timeout: 120_000 },
    async () => {
      await using dir = await tempDir()
      await using origin = await startHttpOrigin({ body: vectorText(AGE_BASIC) })
      const probePort = await freePort()
      const env = {
        CLEF_AGENT_SOURCE: origin.url,
        CLEF_AGENT_AGE_KEY: AGE_BASIC.ageKey ?? '',
        CLEF_AGENT_CACHE_TTL: String(TTL_S),
        CLEF_AGENT_STALE_IF_ERROR: String(STALE_S),
        CLEF_AGENT_CACHE_PATH: dir.file('cache/artifact.age.json'),
        CLEF_AGENT_PROBE_PORT: String(probePort),
      }
      const probe = async (path: string): Promise<number> =>
        (await fetch(`http://127.0.0.1:${probePort}${path}`)).status

      await using first = await startDaemon(env)
      await first.waitFor(async () => (await status(first, '/v1/ready')) === 200)
      const { lastRefreshAt } = (await first.get('/v1/health')).json as { lastRefreshAt: number }
      await origin.stop()

      // Past the TTL, within CLEF_AGENT_STALE_IF_ERROR: the last good secrets are still served.
      await new Promise((r) => setTimeout(r, lastRefreshAt + (TTL_S + 2) * 1000 - Date.now()))
      expect(await status(first, '/v1/secrets')).toBe(200)

      // Liveness is checked all along the outage, until readiness gives up.
      const liveness: unknown[] = []
      await first.waitFor(async () => {
        liveness.push([await probe('/v1/health'), await healthcheck(first, '--live')])
        return (await probe('/v1/ready')) === 503
      }, 30_000)
      expect(liveness.length).toBeGreaterThan(1)
      expect(new Set(liveness.map((l) => JSON.stringify(l)))).toEqual(
        new Set([JSON.stringify([200, { code: 0, output: '' }])]),
      )
      expect(Date.now() - lastRefreshAt).toBeGreaterThan((TTL_S + STALE_S) * 1000)

      // Readiness: exit 1 with one line saying why; liveness: still exit 0.
      const ready = await healthcheck(first)
      expect(ready.code).toBe(1)
      expect(ready.output).toMatch(
        /^clef-agent healthcheck: the agent on 127\.0\.0\.1:\d+ is not ready: cache_expired/,
      )
      expect(ready.output.trim().split('\n')).toHaveLength(1)
      expect(await healthcheck(first, '--live')).toEqual({ code: 0, output: '' })
      expect(await status(first, '/v1/secrets')).toBe(503)
      // The ECS start-up gate gives up after its --wait, with the same reason.
      const gate = await healthcheck(first, '--wait', '2')
      expect([gate.code, gate.output]).toEqual([1, ready.output])
      expect(await first.stop()).toBe(0)

      // A restart while the source is still down: the gate waits, the disk cache serves.
      const gateRun = healthcheck(first, '--wait', '30')
      await using second = await startDaemon({ ...env, CLEF_AGENT_PORT: String(first.port) })
      expect(await gateRun).toEqual({ code: 0, output: '' })
      const served = await second.get('/v1/secrets')
      expect([served.status, served.json]).toEqual([200, VALUES])
      expect(second.output()).toContain(`"source":"disk cache ${env.CLEF_AGENT_CACHE_PATH}"`)
      expect(await healthcheck(second)).toEqual({ code: 0, output: '' })
    },
  )
})
