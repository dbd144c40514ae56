// The daemon as a container sidecar, through the built bundle: the probe listener on the pod IP
// (health, ready, metrics only; secrets stay on 127.0.0.1), draining on SIGTERM, SIGHUP refresh.
import { writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { networkInterfaces } from 'node:os'
import { describe, expect, it } from 'vitest'
import {
  createAgeKey,
  freePort,
  packArtifact,
  startHttpOrigin,
  tempDir,
  vector,
  vectorPath,
  vectorText,
} from '@clef-sh/testing'
import { startDaemon, waitLoaded } from './harness.ts'

const basic = vector('age-basic')
const basicEnv = { CLEF_AGENT_SOURCE: vectorPath(basic), CLEF_AGENT_AGE_KEY: basic.ageKey ?? '' }

/** An IPv4 address of this machine other than loopback, as kubelet would use the pod IP. */
const podIp = (): string => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
  // A probe bound to 0.0.0.0 also answers on 127.0.0.2, which the 127.0.0.1-only API does not.
  return external?.address ?? '127.0.0.2'
}

const status = async (url: string, headers: Record<string, string> = {}): Promise<number | string> => {
  try {
    const res = await fetch(url, { headers })
    await res.arrayBuffer()
    return res.status
  } catch (e) {
    return ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? 'failed'
  }
}

describe('probe listener (CLEF_AGENT_PROBE_PORT)', () => {
  it('answers health, ready and metrics on a non-loopback address, and nothing of the secrets', async () => {
    const probePort = await freePort()
    await using d = await startDaemon({ ...basicEnv, CLEF_AGENT_PROBE_PORT: String(probePort) })
    await waitLoaded(d)
    const ip = podIp()
    const probe = `http://${ip}:${probePort}`
    expect(await status(`${probe}/v1/health`)).toBe(200)
    expect(await status(`${probe}/v1/ready`)).toBe(200)
    const metrics = await fetch(`${probe}/v1/metrics`)
    expect([metrics.status, metrics.headers.get('content-type')]).toEqual([200, 'text/plain; version=0.0.4'])
    expect(await metrics.text()).not.toContain('sk_live')
    const auth = { authorization: `Bearer ${d.token}` }
    for (const path of ['/v1/secrets', '/v1/secrets/app__API_KEY', '/v1/keys']) {
      expect(await status(`${probe}${path}`, auth)).toBe(404)
    }
    // The API itself is not reachable on that address at all.
    expect(await status(`http://${ip}:${d.port}/v1/secrets`, auth)).toBe('ECONNREFUSED')
    expect((await d.get('/v1/secrets')).status).toBe(200)
    expect(d.output()).toContain(`"probe":"http://[::]:${probePort}"`)
  })

  it('says not ready on the probe while nothing can be served', async () => {
    const probePort = await freePort()
    const wrong = vector('wrong-age-key')
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: vectorPath(wrong),
      CLEF_AGENT_AGE_KEY: wrong.ageKey ?? '',
      CLEF_AGENT_PROBE_PORT: String(probePort),
    })
    await waitLoaded(d)
    const res = await fetch(`http://${podIp()}:${probePort}/v1/ready`)
    expect([res.status, await res.json()]).toEqual([503, { ready: false, reason: 'decrypt' }])
  })
})

describe('lifecycle in a container', () => {
  it('drains on SIGTERM: the request in flight gets its answer, then both listeners close and it exits 0', async () => {
    await using origin = await startHttpOrigin({ body: vectorText(basic) })
    const probePort = await freePort()
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: basic.ageKey ?? '',
      CLEF_AGENT_PROBE_PORT: String(probePort),
    })
    await waitLoaded(d)
    origin.delayMs = 1500
    const inFlight = new Promise<number | string>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: d.port,
          path: '/v1/refresh',
          method: 'POST',
          headers: { authorization: `Bearer ${d.token}` },
        },
        (res) => {
          res.resume()
          res.on('end', () => {
            resolve(res.statusCode ?? 0)
          })
        },
      )
      req.on('error', (e: NodeJS.ErrnoException) => {
        resolve(e.code ?? 'error')
      })
      req.end()
    })
    await d.waitFor(() => Promise.resolve(origin.stats.requests >= 2))
    const t0 = Date.now()
    const exit = d.stop('SIGTERM')
    expect(await inFlight).toEqual(expect.any(Number))
    expect(await exit).toBe(0)
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(await status(`http://127.0.0.1:${probePort}/v1/health`)).toBe('ECONNREFUSED')
    expect(await status(`http://127.0.0.1:${d.port}/v1/health`)).toBe('ECONNREFUSED')
  })

  it('refreshes at once on SIGHUP and logs the new revision', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const file = dir.file('artifact.json')
    await writeFile(file, await packArtifact({ values: { app: { V: 'one' } }, recipient: key.recipient }))
    await using d = await startDaemon({ CLEF_AGENT_SOURCE: file, CLEF_AGENT_AGE_KEY: key.identity })
    await waitLoaded(d)
    const next = await packArtifact({ values: { app: { V: 'two' } }, recipient: key.recipient })
    await writeFile(file, next)
    const revision = (JSON.parse(next) as { revision: string }).revision
    d.proc.kill('SIGHUP')
    // The default TTL polls every 30 s: only the SIGHUP can make this quick.
    await d.waitFor(async () => (await d.get('/v1/secrets/app__V')).text.includes('two'), 3000)
    await d.waitFor(() => Promise.resolve(d.output().includes('refreshed on SIGHUP')), 1000)
    expect(d.output()).toContain(revision)
    expect(d.proc.exitCode).toBeNull()
  })
})
