// Lineage pinning through the real daemon: an artifact packed for another identity or environment
// is refused `lineage_mismatch` before decryption (the fake KMS sees no Decrypt), never replaces
// the secrets served, and a VCS source pins its own identity and environment.
import { describe, expect, it } from 'vitest'
import {
  createAgeKey,
  freePort,
  packArtifact,
  startFakeGitHub,
  startFakeKms,
  startHttpOrigin,
  vector,
  vectorPath,
} from '@clef-sh/testing'
import { runDaemon, startDaemon, waitLoaded, type Daemon } from './harness.ts'

const KMS_VECTOR = vector('kms-aws-envelope')

const readyOf = async (d: Daemon): Promise<unknown> => (await d.get('/v1/ready', { auth: false })).json

describe('CLEF_AGENT_IDENTITY / CLEF_AGENT_ENVIRONMENT', () => {
  it('refuses an artifact of another environment before it is decrypted: KMS is never asked', async () => {
    await using kms = await startFakeKms()
    await using d = await startDaemon({
      ...kms.env,
      CLEF_AGENT_SOURCE: vectorPath(KMS_VECTOR),
      CLEF_AGENT_IDENTITY: 'payments-api',
      CLEF_AGENT_ENVIRONMENT: 'staging',
    })
    await waitLoaded(d)
    expect(await readyOf(d)).toEqual({ ready: false, reason: 'lineage_mismatch' })
    const health = (await d.get('/v1/health', { auth: false })).json as {
      lastError: { code: string; message: string }
    }
    expect(health.lastError).toMatchObject({
      code: 'lineage_mismatch',
      message:
        'artifact was packed for environment "production"; this agent is pinned to environment "staging"',
    })
    expect((await d.get('/v1/secrets')).json).toMatchObject({ code: 'lineage_mismatch' })
    expect(kms.stats.decryptCalls).toBe(0)
  })

  it('serves a matching artifact as before', async () => {
    await using kms = await startFakeKms()
    await using d = await startDaemon({
      ...kms.env,
      CLEF_AGENT_SOURCE: vectorPath(KMS_VECTOR),
      CLEF_AGENT_IDENTITY: 'payments-api',
      CLEF_AGENT_ENVIRONMENT: 'production',
    })
    await waitLoaded(d)
    expect(await readyOf(d)).toEqual({ ready: true })
    expect((await d.get('/v1/secrets')).json).toEqual(KMS_VECTOR.expect.ok ? KMS_VECTOR.expect.values : {})
  })

  it('a staging artifact sharing the age recipient never replaces the production secrets served', async () => {
    const key = await createAgeKey()
    const production = await packArtifact({ recipient: key.recipient, values: { app: { DB: 'prod' } } })
    const staging = await packArtifact({
      recipient: key.recipient,
      values: { app: { DB: 'staging' } },
      environment: 'staging',
    })
    await using origin = await startHttpOrigin({ body: production })
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_ENVIRONMENT: 'production',
    })
    await waitLoaded(d)
    origin.setBody(staging)
    const refreshed = await d.get('/v1/refresh', { method: 'POST' })
    expect([refreshed.status, (refreshed.json as { code: string }).code]).toEqual([503, 'lineage_mismatch'])
    expect((await d.get('/v1/secrets')).json).toEqual({ app: { DB: 'prod' } })
  })

  it('a VCS source pins its identity and environment: another lineage at that path is refused', async () => {
    await using github = await startFakeGitHub({ token: 'ghp_lineage_test_token' })
    const key = await createAgeKey()
    github.setArtifact(
      await packArtifact({ recipient: key.recipient, values: { app: { K: 'v' } }, identity: 'billing' }),
    )
    await using d = await startDaemon({
      CLEF_AGENT_VCS_PROVIDER: 'github',
      CLEF_AGENT_VCS_REPO: github.artifactAt.repo,
      CLEF_AGENT_VCS_TOKEN: github.token,
      CLEF_AGENT_VCS_IDENTITY: 'api',
      CLEF_AGENT_VCS_ENVIRONMENT: 'production',
      CLEF_AGENT_VCS_REF: github.artifactAt.ref,
      CLEF_AGENT_VCS_API_URL: github.url,
      CLEF_AGENT_AGE_KEY: key.identity,
    })
    await waitLoaded(d)
    expect(await readyOf(d)).toEqual({ ready: false, reason: 'lineage_mismatch' })
  })

  it('a pin that contradicts the VCS source, or is not one name, stops the daemon with exit 1 naming it', async () => {
    const vcs = {
      CLEF_AGENT_VCS_PROVIDER: 'github',
      CLEF_AGENT_VCS_REPO: 'acme/secrets',
      CLEF_AGENT_VCS_TOKEN: 'ghp_lineage_test_token',
      CLEF_AGENT_VCS_IDENTITY: 'api',
      CLEF_AGENT_VCS_ENVIRONMENT: 'production',
      CLEF_AGENT_PORT: String(await freePort()),
    }
    const contradiction = await runDaemon([], { ...vcs, CLEF_AGENT_ENVIRONMENT: 'staging' })
    expect(contradiction.code).toBe(1)
    expect(contradiction.output).toContain('CLEF_AGENT_ENVIRONMENT: must match CLEF_AGENT_VCS_ENVIRONMENT')
    expect(contradiction.output).not.toContain('ghp_lineage_test_token')
    const path = await runDaemon([], { CLEF_AGENT_SOURCE: '/nowhere.json', CLEF_AGENT_IDENTITY: '../api' })
    expect(path.code).toBe(1)
    expect(path.output).toContain('CLEF_AGENT_IDENTITY: must be one name')
  })
})
