// The disk cache through the real daemon: the last good artifact is kept encrypted in a 0600 file,
// and a restart while the source is down serves the secrets from it.
import { readFile, stat } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { startFakeS3, startHttpOrigin, tempDir, vector, vectorText } from '@clef-sh/testing'
import { startDaemon, type Daemon } from './harness.ts'

const AGE_BASIC = vector('age-basic')
const VALUES = AGE_BASIC.expect.ok ? AGE_BASIC.expect.values : {}
const REVISION = AGE_BASIC.expect.ok ? AGE_BASIC.expect.revision : ''
const PLAINTEXTS = Object.values(VALUES).flatMap((ns) => Object.values(ns))

/** A source that can be taken down for good. */
interface DownableSource {
  env: Record<string, string>
  down(): Promise<void>
}

const sources: Record<string, () => Promise<DownableSource>> = {
  http: async () => {
    const origin = await startHttpOrigin({ body: vectorText(AGE_BASIC) })
    return { env: { CLEF_AGENT_SOURCE: origin.url }, down: () => origin.close() }
  },
  s3: async () => {
    const s3 = await startFakeS3({ objects: { 'clef-artifacts/api.json': vectorText(AGE_BASIC) } })
    return { env: { ...s3.env, CLEF_AGENT_SOURCE: 's3://clef-artifacts/api.json' }, down: () => s3.close() }
  },
}

/** Every form a plaintext value could take in a file: raw, JSON-escaped, base64, hex. */
const encodings = (value: string): string[] => [
  value,
  JSON.stringify(value).slice(1, -1),
  Buffer.from(value).toString('base64'),
  Buffer.from(value).toString('hex'),
]

// Ready, not just loaded: the revision shows while the disk cache is still being written.
const waitReady = (d: Daemon): Promise<void> =>
  d.waitFor(async () => (await d.get('/v1/ready', { auth: false })).status === 200)

const health = async (d: Daemon): Promise<{ revision: string | null; lastError: { code: string } | null }> =>
  (await d.get('/v1/health', { auth: false })).json as {
    revision: string | null
    lastError: { code: string } | null
  }

describe.each(Object.keys(sources))('disk cache with a %s source', (kind) => {
  it('is 0600, holds no plaintext, and serves the secrets after a restart with the source down', async () => {
    await using dir = await tempDir()
    const cachePath = dir.file('cache/artifact.json')
    const source = await sources[kind]!()
    const env = {
      ...source.env,
      CLEF_AGENT_AGE_KEY: AGE_BASIC.ageKey ?? '',
      CLEF_AGENT_CACHE_PATH: cachePath,
    }
    {
      await using first = await startDaemon(env)
      await waitReady(first)
      expect((await first.get('/v1/secrets')).json).toEqual(VALUES)
      expect(await first.stop()).toBe(0)
    }

    expect((await stat(cachePath)).mode & 0o777).toBe(0o600)
    const cached = await readFile(cachePath, 'utf8')
    expect(JSON.parse(cached)).toMatchObject({ revision: REVISION })
    for (const value of PLAINTEXTS) {
      for (const form of encodings(value)) expect(cached).not.toContain(form)
    }

    await source.down()
    await using second = await startDaemon(env)
    await waitReady(second)
    const served = await second.get('/v1/secrets')
    expect([served.status, served.json]).toEqual([200, VALUES])
    expect(await health(second)).toMatchObject({
      revision: REVISION,
      lastError: { code: 'source_unreachable' },
    })
    expect((await second.get('/v1/ready', { auth: false })).json).toEqual({ ready: true })
    expect(second.output()).toContain(`"source":"disk cache ${cachePath}"`)
  })
})
