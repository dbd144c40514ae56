// Which artifacts may leave a lasting rollback mark, through the real daemon and a real origin:
// with a verify key only signed text may mark a revision dead; a far-future revision is refused
// instead of becoming a mark; a corrupt marks file is reported, not silently ignored.
import { generateKeyPairSync } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import {
  createAgeKey,
  newRevision,
  packArtifact,
  parsePrometheusText,
  startHttpOrigin,
  tempDir,
} from '@clef-sh/testing'
import { startDaemon, waitLoaded, type Daemon } from './harness.ts'

const VALUES = { app: { K: 'genuine-value' } }

const signingPair = (): { signingKey: string; verifyKey: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    signingKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    verifyKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  }
}

/** Clef's `revoke` output: no ciphertext, no signature. */
const unsignedMarker = (): string =>
  JSON.stringify({
    version: 1,
    identity: 'api',
    environment: 'production',
    revokedAt: new Date().toISOString(),
  })

const revisionOf = (text: string): string => (JSON.parse(text) as { revision: string }).revision

const refresh = async (d: Daemon): Promise<{ status: number; code?: string; revision?: string }> => {
  const res = await d.get('/v1/refresh', { method: 'POST' })
  return { status: res.status, ...(res.json as { code?: string; revision?: string }) }
}

const ready = (d: Daemon): Promise<void> =>
  d.waitFor(async () => (await d.get('/v1/ready', { auth: false })).status === 200)

interface Marks {
  marks: { revision: string; wiped?: string }[]
}

describe('with CLEF_AGENT_VERIFY_KEY, only a signed artifact leaves a lasting mark', () => {
  it('an unsigned revocation marker wipes, but the genuine artifact is served again when it comes back, also after a restart', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const { signingKey, verifyKey } = signingPair()
    const genuine = await packArtifact({ recipient: key.recipient, values: VALUES, signingKey })
    await using origin = await startHttpOrigin({ body: genuine })
    const cachePath = dir.file('artifact.json')
    const env = {
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_VERIFY_KEY: verifyKey,
      CLEF_AGENT_CACHE_PATH: cachePath,
    }
    {
      await using first = await startDaemon(env)
      await ready(first)

      origin.setBody(unsignedMarker())
      expect(await refresh(first)).toMatchObject({ status: 503, code: 'revoked' })
      expect((await first.get('/v1/secrets')).status).toBe(503)
      const marks = JSON.parse(await readFile(`${cachePath}.hwm`, 'utf8')) as Marks
      expect(marks.marks).toEqual([expect.not.objectContaining({ wiped: expect.anything() })])

      origin.setBody(genuine)
      expect(await refresh(first)).toEqual({ status: 200, revision: revisionOf(genuine) })
      expect((await first.get('/v1/secrets')).json).toEqual(VALUES)

      // Wiped again just before the stop: the restart must not inherit a dead mark either.
      origin.setBody(unsignedMarker())
      expect(await refresh(first)).toMatchObject({ status: 503, code: 'revoked' })
      expect(await first.stop()).toBe(0)
    }
    origin.setBody(genuine)
    await using second = await startDaemon(env)
    await ready(second)
    expect((await second.get('/v1/secrets')).json).toEqual(VALUES)
  })

  it('an unsigned expired artifact wipes but leaves no lasting mark either', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const { signingKey, verifyKey } = signingPair()
    const genuine = await packArtifact({ recipient: key.recipient, values: VALUES, signingKey })
    const forgedExpiry = await packArtifact({
      recipient: key.recipient,
      values: VALUES,
      revision: revisionOf(genuine),
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    })
    await using origin = await startHttpOrigin({ body: genuine })
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_VERIFY_KEY: verifyKey,
      CLEF_AGENT_CACHE_PATH: dir.file('artifact.json'),
    })
    await ready(d)
    origin.setBody(forgedExpiry)
    expect(await refresh(d)).toMatchObject({ status: 503, code: 'expired' })
    origin.setBody(genuine)
    expect(await refresh(d)).toEqual({ status: 200, revision: revisionOf(genuine) })
  })

  it('a signed revocation marker leaves a lasting mark: the revision stays refused after a restart', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const { signingKey, verifyKey } = signingPair()
    const genuine = await packArtifact({
      recipient: key.recipient,
      values: VALUES,
      signingKey,
      revision: newRevision(Date.now() - 60_000),
    })
    const signedMarker = JSON.stringify({ ...JSON.parse(genuine), revokedAt: new Date().toISOString() })
    await using origin = await startHttpOrigin({ body: genuine })
    const env = {
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_VERIFY_KEY: verifyKey,
      CLEF_AGENT_CACHE_PATH: dir.file('artifact.json'),
    }
    {
      await using first = await startDaemon(env)
      await ready(first)
      origin.setBody(signedMarker)
      expect(await refresh(first)).toMatchObject({ status: 503, code: 'revoked' })
      origin.setBody(genuine)
      expect(await refresh(first)).toMatchObject({ status: 503, code: 'revoked' })
      expect(await first.stop()).toBe(0)
    }
    await using second = await startDaemon(env)
    await waitLoaded(second)
    expect((await second.get('/v1/ready', { auth: false })).json).toEqual({ ready: false, reason: 'revoked' })
    // A new pack is the way back.
    const next = await packArtifact({ recipient: key.recipient, values: VALUES, signingKey })
    origin.setBody(next)
    expect(await refresh(second)).toEqual({ status: 200, revision: revisionOf(next) })
  })

  it('without a verify key an unsigned marker still leaves its mark (the documented trade-off)', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const genuine = await packArtifact({ recipient: key.recipient, values: VALUES })
    await using origin = await startHttpOrigin({ body: genuine })
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_CACHE_PATH: dir.file('artifact.json'),
    })
    await ready(d)
    origin.setBody(unsignedMarker())
    expect(await refresh(d)).toMatchObject({ status: 503, code: 'revoked' })
    origin.setBody(genuine)
    expect(await refresh(d)).toMatchObject({ status: 503, code: 'revoked' })
  })
})

describe('revisions stamped in the future', () => {
  it('a revision more than a day ahead is refused invalid_shape and never becomes a mark, across a restart', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const genuine = await packArtifact({ recipient: key.recipient, values: VALUES })
    const year3000 = await packArtifact({
      recipient: key.recipient,
      values: { app: { K: 'from-the-future' } },
      revision: newRevision(Date.UTC(3000, 0, 1)),
    })
    await using origin = await startHttpOrigin({ body: year3000 })
    const cachePath = dir.file('artifact.json')
    const env = {
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_CACHE_PATH: cachePath,
    }
    {
      await using first = await startDaemon(env)
      await waitLoaded(first)
      expect((await first.get('/v1/ready', { auth: false })).json).toEqual({
        ready: false,
        reason: 'invalid_shape',
      })
      const health = (await first.get('/v1/health', { auth: false })).json as {
        lastError: { message: string }
      }
      expect(health.lastError.message).toContain('more than a day ahead of the clock')
      origin.setBody(genuine)
      expect(await refresh(first)).toEqual({ status: 200, revision: revisionOf(genuine) })
      expect(await first.stop()).toBe(0)
    }
    expect(await readFile(`${cachePath}.hwm`, 'utf8')).not.toContain(revisionOf(year3000))
    await using second = await startDaemon(env)
    await ready(second)
    expect((await second.get('/v1/secrets')).json).toEqual(VALUES)
  })
})

describe('a corrupt rollback-marks file', () => {
  it('is reported in the log, the metrics and lastError instead of silently turning protection off', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const cachePath = dir.file('artifact.json')
    await writeFile(`${cachePath}.hwm`, '{"version":1,"marks":[{"trunc', { mode: 0o600 })
    await using origin = await startHttpOrigin({
      body: await packArtifact({ recipient: key.recipient, values: VALUES }),
    })
    // The first load is slow, so the report can be seen before a refresh replaces lastError.
    origin.delayMs = 1500
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_CACHE_PATH: cachePath,
    })
    const lastErrorCode = async (): Promise<string | undefined> =>
      ((await d.get('/v1/health', { auth: false })).json as { lastError: { code: string } | null }).lastError
        ?.code
    await d.waitFor(async () => (await lastErrorCode()) === 'rollback_marks_corrupt', 1400)
    await ready(d)
    const metrics = parsePrometheusText((await d.get('/v1/metrics', { auth: false })).text)
    expect(metrics.value('clef_agent_rollback_marks_corrupt')).toBe(1)
    expect(d.output()).toMatch(
      /"level":"error","msg":"rollback marks file is malformed; starting without it"/,
    )
    expect(d.output()).toContain('"code":"rollback_marks_corrupt"')
    // Protection is back: the marks file was rewritten with the accepted revision.
    const marks = JSON.parse(await readFile(`${cachePath}.hwm`, 'utf8')) as Marks
    expect(marks.marks).toHaveLength(1)
  })
})
