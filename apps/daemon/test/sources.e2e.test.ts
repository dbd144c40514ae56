// The remote sources through the real daemon, configured only through the environment (docs/SPEC.md §8):
// S3 via the AWS SDK's own variables, GitHub, GitLab and Bitbucket via CLEF_AGENT_VCS_*. Each serves
// age-basic, revalidates without transferring the artifact again, picks up a new revision, and
// reports 401/403/404/429/500 with their code and hint while the secrets already served stay served.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  newRevision,
  packArtifact,
  startFakeBitbucket,
  startFakeGitHub,
  startFakeGitLab,
  startFakeS3,
  vector,
  vectorText,
  VECTORS_DIR,
  type FakeVcs,
} from '@clef-sh/testing'
import { startDaemon, type Answer, type Daemon } from './harness.ts'

const AGE_BASIC = vector('age-basic')
const AGE_KEY = AGE_BASIC.ageKey ?? ''
const VALUES = AGE_BASIC.expect.ok ? AGE_BASIC.expect.values : {}
// The recipient of age-basic's key (its key file names it), to pack a revision the daemon can decrypt.
const KEY_FILE = readFileSync(join(VECTORS_DIR, 'keys', 'pub-age-primary.agekey'), 'utf8')
const RECIPIENT = /^# public key: (age1\w+)$/m.exec(KEY_FILE)?.[1] ?? ''
const VCS_TOKEN = 'vcs-token-Sup3rSecret-0123'
const AWS_SECRET = 'aws-secret-Sup3rSecret-4567'

/** One fake origin, seen the same way whatever it speaks. */
interface Origin extends AsyncDisposable {
  /** The daemon's environment: the source and its credentials, nothing else. */
  env: Record<string, string>
  publish(text: string): void
  failWith(status: number | null): void
  /** Bytes of artifact content sent so far. */
  artifactBytes(): number
  /** Answers that confirmed the held artifact without sending it (304s, metadata requests). */
  revalidations(): number
  /** Secrets the daemon was given, which must never appear in its output. */
  secrets: string[]
}

// The identity age-basic was packed for: a VCS source pins the lineage it reads (SECURITY.md).
const VCS_IDENTITY = 'api-gateway'
const VCS_PATH = `.clef/packed/${VCS_IDENTITY}/production.age.json`

const vcsOrigin = (fake: FakeVcs, provider: string, repo: string): Origin => ({
  env: {
    CLEF_AGENT_VCS_PROVIDER: provider,
    CLEF_AGENT_VCS_REPO: repo,
    CLEF_AGENT_VCS_TOKEN: VCS_TOKEN,
    CLEF_AGENT_VCS_IDENTITY: VCS_IDENTITY,
    CLEF_AGENT_VCS_ENVIRONMENT: 'production',
    CLEF_AGENT_VCS_REF: 'main',
    CLEF_AGENT_VCS_API_URL: fake.url,
  },
  publish: (text) => fake.setArtifact(text),
  failWith: (status) => {
    fake.failWith(status)
  },
  artifactBytes: () => fake.stats.artifactBytesSent,
  revalidations: () => fake.stats.notModified + fake.stats.metaRequests,
  secrets: [VCS_TOKEN],
  [Symbol.asyncDispose]: () => fake.close(),
})

const OBJECT = 'clef-artifacts/api/production.age.json'

const origins: Record<string, () => Promise<Origin>> = {
  s3: async () => {
    const s3 = await startFakeS3({ accessKeyId: 'AKIDDAEMONTEST' })
    return {
      // The SDK's own chain: endpoint, region and keys as every AWS tool reads them.
      env: { ...s3.env, AWS_SECRET_ACCESS_KEY: AWS_SECRET, CLEF_AGENT_SOURCE: `s3://${OBJECT}` },
      publish: (text) => void s3.putObject(OBJECT, text),
      failWith: (status) => {
        s3.failWith(status)
      },
      // Every body byte the fake sent (a 304 has none).
      artifactBytes: () => s3.stats.bodyBytesSent,
      revalidations: () => s3.stats.notModified,
      secrets: [AWS_SECRET],
      [Symbol.asyncDispose]: () => s3.close(),
    }
  },
  github: async () =>
    vcsOrigin(await startFakeGitHub({ token: VCS_TOKEN, path: VCS_PATH }), 'github', 'acme/clef-secrets'),
  gitlab: async () =>
    vcsOrigin(
      await startFakeGitLab({ token: VCS_TOKEN, project: 'acme/platform/clef-secrets', path: VCS_PATH }),
      'gitlab',
      'acme/platform/clef-secrets',
    ),
  bitbucket: async () =>
    vcsOrigin(
      await startFakeBitbucket({ token: VCS_TOKEN, path: VCS_PATH }),
      'bitbucket',
      'acme/clef-secrets',
    ),
}

interface Health {
  revision: string | null
  lastError: { code: string; message: string; hint?: string } | null
}

const health = async (d: Daemon): Promise<Health> =>
  (await d.get('/v1/health', { auth: false })).json as Health
const refresh = (d: Daemon): Promise<Answer> => d.get('/v1/refresh', { method: 'POST' })

/** The daemon's JSON log lines with `msg`. */
const logLines = (d: Daemon, msg: string): Record<string, unknown>[] =>
  d
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l['msg'] === msg)

const FAILURES: [number, string, RegExp][] = [
  [401, 'source_auth', /permission|scope|grant|credentials/i],
  [403, 'source_auth', /permission|scope|grant|credentials/i],
  [404, 'source_not_found', /pack/],
  [429, 'source_rate_limited', /throttl|rate limit/i],
  [500, 'source_unreachable', /unreachable|retries/i],
]

describe.each(Object.keys(origins))('%s source through the daemon', (kind) => {
  it('serves age-basic, revalidates for free, picks up a new revision and reports failures', async () => {
    expect(KEY_FILE).toContain(AGE_KEY)
    await using origin = await origins[kind]!()
    origin.publish(vectorText(AGE_BASIC))
    await using d = await startDaemon({ ...origin.env, CLEF_AGENT_AGE_KEY: AGE_KEY })
    await d.waitFor(async () => (await d.get('/v1/ready', { auth: false })).status === 200)
    expect((await health(d)).lastError).toBeNull()
    expect((await d.get('/v1/secrets')).json).toEqual(VALUES)

    // A second poll of the unchanged artifact transfers no artifact body.
    const [bytes, revalidated] = [origin.artifactBytes(), origin.revalidations()]
    expect(bytes).toBeGreaterThan(0)
    expect((await refresh(d)).json).toEqual({
      revision: AGE_BASIC.expect.ok ? AGE_BASIC.expect.revision : '',
    })
    expect(origin.artifactBytes()).toBe(bytes)
    expect(origin.revalidations()).toBeGreaterThan(revalidated)

    const revision = newRevision()
    const next = { app: { ...VALUES['app'], LOG_LEVEL: 'debug' } }
    origin.publish(
      await packArtifact({ values: next, recipient: RECIPIENT, revision, identity: VCS_IDENTITY }),
    )
    expect((await refresh(d)).json).toEqual({ revision })
    expect((await d.get('/v1/secrets')).json).toEqual(next)

    for (const [status, code, hint] of FAILURES) {
      origin.failWith(status)
      const failed = await refresh(d)
      expect([failed.status, (failed.json as { code: string }).code], `${kind} ${status}`).toEqual([
        503,
        code,
      ])
      const last = (await health(d)).lastError
      expect(last?.code, `${kind} ${status}`).toBe(code)
      expect(last?.hint, `${kind} ${status}`).toMatch(hint)
      const logged = logLines(d, 'refresh failed').at(-1)
      expect(logged, `${kind} ${status}`).toMatchObject({ code, hint: last?.hint })
      const served = await d.get('/v1/secrets')
      expect([served.status, served.json], `${kind} ${status}`).toEqual([200, next])
    }
    origin.failWith(null)
    expect((await refresh(d)).json).toEqual({ revision })
    expect((await health(d)).lastError).toBeNull()
    for (const secret of origin.secrets) expect(d.output()).not.toContain(secret)
  })
})

describe('s3 through the generic AWS_ENDPOINT_URL', () => {
  it('addresses a localhost endpoint path-style when only AWS_ENDPOINT_URL names it', async () => {
    await using s3 = await startFakeS3({ accessKeyId: 'AKIDDAEMONTEST' })
    s3.putObject(OBJECT, vectorText(AGE_BASIC))
    const { AWS_ENDPOINT_URL_S3: endpoint = '', ...sdkEnv } = s3.env
    await using d = await startDaemon({
      ...sdkEnv,
      // By name: the SDK itself goes path-style for an IP, but would send a `localhost` endpoint
      // to `clef-artifacts.localhost`.
      AWS_ENDPOINT_URL: endpoint.replace('127.0.0.1', 'localhost'),
      CLEF_AGENT_SOURCE: `s3://${OBJECT}`,
      CLEF_AGENT_AGE_KEY: AGE_KEY,
    })
    await d.waitFor(async () => (await d.get('/v1/ready', { auth: false })).status === 200)
    expect((await d.get('/v1/secrets')).json).toEqual(VALUES)
  })
})
