// The conformance vectors of Clef's packer, through the real daemon process, in cached and in
// JIT mode: ok vectors serve exactly their values, negative ones are refused for their reason.
import { describe, expect, it } from 'vitest'
import { loadVectors, vectorPath, type Vector } from '@clef-sh/testing'
import { startDaemon, waitLoaded } from './harness.ts'

const flatNames = (values: Record<string, Record<string, string>>): string[] =>
  Object.entries(values).flatMap(([ns, kv]) => Object.keys(kv).map((k) => `${ns}__${k}`))

const envFor = (v: Vector, ttl: string): Record<string, string> => ({
  CLEF_AGENT_SOURCE: vectorPath(v),
  CLEF_AGENT_CACHE_TTL: ttl,
  ...(v.ageKey === null ? {} : { CLEF_AGENT_AGE_KEY: v.ageKey }),
  ...(v.verifyKey === null ? {} : { CLEF_AGENT_VERIFY_KEY: v.verifyKey }),
})

// KMS vectors need the local KMS server: they run in the KMS suite.
const vectors = loadVectors().filter((v) => v.kms === null)

describe.each([
  ['cached', '300'],
  ['jit', '0'],
])('vectors through the daemon (%s mode)', (_mode, ttl) => {
  it.each(vectors.map((v) => [v.name, v] as const))('%s', async (_name, v) => {
    await using d = await startDaemon(envFor(v, ttl))
    await waitLoaded(d)
    const health = (await d.get('/v1/health', { auth: false })).json as Record<string, unknown>
    const ready = await d.get('/v1/ready', { auth: false })
    const all = await d.get('/v1/secrets')
    if (v.expect.ok) {
      const { values, revision } = v.expect
      expect(ready.status).toBe(200)
      expect(health['revision']).toBe(revision)
      expect(health['mode']).toBe(ttl === '0' ? 'jit' : 'cached')
      expect(all.status).toBe(200)
      expect(all.json).toEqual(values)
      expect(Object.keys(all.json as object)).toEqual(Object.keys(values))
      expect(all.headers.get('cache-control')).toBe('no-store')
      expect((await d.get('/v1/keys')).json).toEqual(flatNames(values))
      // Every key of small vectors; a spread sample of the 5000-key one keeps the suite fast.
      const names = flatNames(values)
      const step = Math.max(1, Math.floor(names.length / 100))
      for (let i = 0; i < names.length; i += step) {
        const name = names[i] as string
        const [ns, ...rest] = name.split('__')
        const one = await d.get(`/v1/secrets/${encodeURIComponent(name)}`)
        expect(one.status, name).toBe(200)
        expect(one.json).toEqual({ key: name, value: values[ns as string]?.[rest.join('__')] })
      }
    } else {
      const { reason } = v.expect
      expect(ready.status).toBe(503)
      expect(ready.json).toEqual({ ready: false, reason })
      expect((health['lastError'] as { code: string }).code).toBe(reason)
      expect(health['revision']).toBeNull()
      expect(all.status).toBe(503)
      expect((all.json as { code: string }).code).toBe(reason)
      expect((await d.get('/v1/keys')).status).toBe(503)
      expect(d.output()).toContain(`"code":"${reason}"`)
    }
  })
})
