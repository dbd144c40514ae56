// JSON that costs JSON.parse seconds and hundreds of MB, through the real daemon: an unknown field
// holding 7 million nested `[]` (14 MB) is refused `invalid_shape` in milliseconds, also when it
// would be a rollback; the plaintext is bounded the same way, and duplicate names are refused.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createAgeKey, newRevision, packArtifact, startHttpOrigin } from '@clef-sh/testing'
import type { Daemon } from './harness.ts'
import { startDaemon } from './harness.ts'

const VALUES = { app: { K: 'genuine-value' } }
const DEPTH = 7_000_000

/** Peak and current resident memory of `pid`, in MB (Linux /proc). */
const memoryMb = (pid: number): { peak: number; now: number } => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 }
}

/** `artifact` with an unknown top-level field of `DEPTH` nested empty arrays. */
const withDeepField = (artifact: string): string =>
  JSON.stringify({ ...JSON.parse(artifact), x: 0 }).replace(
    '"x":0',
    `"x":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`,
  )

const refresh = async (d: Daemon): Promise<{ status: number; code?: string; ms: number }> => {
  const start = performance.now()
  const res = await d.get('/v1/refresh', { method: 'POST' })
  return { status: res.status, ...(res.json as { code?: string }), ms: performance.now() - start }
}

describe('deep nesting in the artifact', () => {
  it.each([
    ['newer', 1],
    ['older (a rollback)', -1],
  ])(
    'an unknown field of 7 million nested [] in a %s artifact is refused invalid_shape in milliseconds',
    async (_name, sign) => {
      const key = await createAgeKey()
      const genuine = await packArtifact({ recipient: key.recipient, values: VALUES })
      const hostile = withDeepField(
        await packArtifact({
          recipient: key.recipient,
          values: { app: { K: 'hostile' } },
          revision: newRevision(Date.now() + sign * 60_000),
        }),
      )
      expect(hostile.length).toBeGreaterThan(14_000_000)
      await using origin = await startHttpOrigin({ body: genuine })
      await using d = await startDaemon({ CLEF_AGENT_SOURCE: origin.url, CLEF_AGENT_AGE_KEY: key.identity })
      await d.waitFor(async () => (await d.get('/v1/ready', { auth: false })).status === 200)
      const before = memoryMb(d.proc.pid ?? 0)

      origin.setBody(hostile)
      const refused = await refresh(d)
      const after = memoryMb(d.proc.pid ?? 0)
      console.log(
        `deep field (${_name}): refused in ${refused.ms.toFixed(0)} ms; RSS ${before.now.toFixed(0)} → ${after.now.toFixed(0)} MB, peak ${after.peak.toFixed(0)} MB`,
      )
      expect([refused.status, refused.code]).toEqual([503, 'invalid_shape'])
      // Before the bound: 5 s and a 750 MB peak. Most of what is left is the 14 MB body in transit.
      expect(refused.ms).toBeLessThan(1500)
      expect(after.peak - before.peak).toBeLessThan(200)
      expect((await d.get('/v1/secrets')).json).toEqual(VALUES)
    },
  )
})

describe('the decrypted plaintext', () => {
  it.each([
    [
      'nested deeper than namespaces of strings',
      `{"app":{"K":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
    ],
    ['a key given twice', '{"app":{"K":"first","K":"second"}}'],
    ['a namespace given twice', '{"app":{"K":"first"},"app":{"L":"second"}}'],
  ])('%s is refused (decrypt) and never replaces the secrets served', async (_name, payload) => {
    const key = await createAgeKey()
    const genuine = await packArtifact({ recipient: key.recipient, values: VALUES })
    await using origin = await startHttpOrigin({ body: genuine })
    await using d = await startDaemon({ CLEF_AGENT_SOURCE: origin.url, CLEF_AGENT_AGE_KEY: key.identity })
    await d.waitFor(async () => (await d.get('/v1/ready', { auth: false })).status === 200)
    origin.setBody(await packArtifact({ recipient: key.recipient, values: {}, payload }))
    const refused = await refresh(d)
    expect([refused.status, refused.code]).toEqual([503, 'decrypt'])
    expect((await d.get('/v1/secrets')).json).toEqual(VALUES)
  })
})
