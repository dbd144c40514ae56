import { ErrorCode } from '@clef-sh/errors'
import { startFakeBitbucket, type FakeBitbucketOptions, type FakeVcs } from '@clef-sh/testing'
import { describe, expect, it } from 'vitest'
import type { SourceError } from '../errors.ts'
import { fakeFixture, runSourceContract } from '../testing/source-contract.ts'
import { BitbucketSource, type BitbucketSourceOptions } from './bitbucket-source.ts'
import { failure } from '../testing/source-failure.ts'

const TOKEN = 'ATCTT3xFfGN0Sup3rSecretTokenValue'
const APP_PASSWORD = 'ci-bot:ATBBapPa55w0rdS3cret'
const ARTIFACT = '{"version":1,"revision":"1700000000000-0badc0de"}'
const SRC = '/2.0/repositories/acme/clef-secrets/src'
const FILE = '.clef/packed/api/production.age.json'
const live = () => new AbortController().signal
const thrown = (make: () => unknown): unknown => {
  try {
    return make()
  } catch (e) {
    return e
  }
}

const sourceFor = (fake: FakeVcs, opts: Partial<BitbucketSourceOptions> = {}) =>
  new BitbucketSource({
    repo: 'acme/clef-secrets',
    identity: 'api',
    environment: 'production',
    token: fake.token,
    apiUrl: fake.url,
    ...opts,
  })

const expectNoSecret = (e: SourceError) => {
  for (const text of [e.message, e.hint ?? '', e.source, JSON.stringify(e)]) {
    for (const secret of [TOKEN, APP_PASSWORD, 'ATBBapPa55w0rdS3cret']) expect(text).not.toContain(secret)
  }
}

const contract = (name: string, opts: Omit<FakeBitbucketOptions, 'token'>) => {
  runSourceContract(name, async () => {
    const fake = await startFakeBitbucket({ token: TOKEN, ...opts })
    return fakeFixture(fake, sourceFor(fake), [TOKEN])
  })
}
contract('bitbucket (commit hashes)', {})
contract('bitbucket (ETags)', { etags: true })

describe('BitbucketSource wire', () => {
  it('downloads at the commit named by the metadata, then confirms it with the metadata alone', async () => {
    await using fake = await startFakeBitbucket({ token: TOKEN })
    const v = fake.setArtifact(ARTIFACT)
    const source = sourceFor(fake)
    const first = await source.fetch({ signal: live() })
    expect(first).toEqual({ changed: true, body: ARTIFACT, etag: v.commit })
    expect(fake.lastRequest).toMatchObject({
      method: 'GET',
      url: `${SRC}/${v.commit}/${FILE}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(fake.stats).toMatchObject({ requests: 2, metaRequests: 1, artifactBytesSent: ARTIFACT.length })
    fake.reset()
    expect(await source.fetch({ signal: live(), etag: first.etag })).toEqual({
      changed: false,
      etag: v.commit,
    })
    expect(fake.lastRequest?.url).toBe(`${SRC}/main/${FILE}?format=meta`)
    expect(fake.stats).toEqual({ requests: 1, notModified: 0, metaRequests: 1, artifactBytesSent: 0 })
  })

  it('picks up a new commit, on the configured ref', async () => {
    await using fake = await startFakeBitbucket({ token: TOKEN, ref: 'prod' })
    const v1 = fake.setArtifact('{"v":1}')
    const source = sourceFor(fake, { ref: 'prod' })
    expect(await source.fetch({ signal: live() })).toMatchObject({ body: '{"v":1}', etag: v1.commit })
    const v2 = fake.setArtifact('{"v":2}')
    expect(await source.fetch({ signal: live(), etag: v1.commit })).toEqual({
      changed: true,
      body: '{"v":2}',
      etag: v2.commit,
    })
    expect(source.describe()).toBe(`bitbucket:acme/clef-secrets/${FILE}@prod`)
  })

  it('revalidates with If-None-Match when Bitbucket sends an ETag', async () => {
    await using fake = await startFakeBitbucket({ token: TOKEN, etags: true })
    fake.setArtifact(ARTIFACT)
    const source = sourceFor(fake)
    const first = await source.fetch({ signal: live() })
    expect(first.etag).toMatch(/^"/)
    fake.reset()
    expect(await source.fetch({ signal: live(), etag: first.etag })).toEqual({
      changed: false,
      etag: first.etag,
    })
    expect(fake.lastRequest).toMatchObject({
      url: `${SRC}/main/${FILE}`,
      headers: { 'if-none-match': first.etag },
    })
    expect(fake.stats).toEqual({ requests: 1, notModified: 1, metaRequests: 0, artifactBytesSent: 0 })
  })

  it('sends user:app_password as Basic auth', async () => {
    await using fake = await startFakeBitbucket({ token: APP_PASSWORD })
    fake.setArtifact(ARTIFACT)
    expect(await sourceFor(fake).fetch({ signal: live() })).toMatchObject({ body: ARTIFACT })
    const basic = `Basic ${Buffer.from(APP_PASSWORD).toString('base64')}`
    expect(fake.lastRequest?.headers.authorization).toBe(basic)
  })

  it('refuses metadata without a commit hash', async () => {
    await using fake = await startFakeBitbucket({ token: TOKEN })
    fake.setArtifact(ARTIFACT)
    const odd: typeof fetch = (input, init) =>
      (input instanceof Request ? input.url : input.toString()).endsWith('?format=meta')
        ? Promise.resolve(Response.json({ type: 'commit_file', commit: { hash: '../../x' } }))
        : fetch(input, init)
    const e = await failure(sourceFor(fake, { fetch: odd }).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceInvalidResponse, transient: false })
    expect(e.message).toMatch(/format=\*\*\*": the file metadata has no commit.hash$/)
  })

  it('caps the body and times out', async () => {
    await using fake = await startFakeBitbucket({ token: TOKEN })
    fake.setArtifact('x'.repeat(1_000))
    const big = await failure(sourceFor(fake, { maxBytes: 999 }).fetch({ signal: live() }))
    expect(big).toMatchObject({ code: ErrorCode.SourceTooLarge, transient: false })
    fake.latencyMs = 5_000
    const slow = await failure(sourceFor(fake, { timeoutMs: 50 }).fetch({ signal: live() }))
    expect(slow).toMatchObject({ code: ErrorCode.SourceUnreachable, transient: true })
    expect(slow.message).toMatch(/timed out after 50 ms$/)
  })
})

describe('BitbucketSource failures', () => {
  it.each([TOKEN, APP_PASSWORD])(
    'rejects wrong credentials as source_auth naming repository:read (%#)',
    async (token) => {
      await using fake = await startFakeBitbucket({ token: 'someone:else' })
      fake.setArtifact(ARTIFACT)
      const source = sourceFor(fake, { token })
      const e = await failure(source.fetch({ signal: live() }))
      expect(e).toMatchObject({ code: ErrorCode.SourceAuth, status: 401, transient: false })
      expect(e.hint).toMatch(/repository:read/)
      expect(e.message).toMatch(
        /^\[GET\] "http:\/\/127\.0\.0\.1:\d+\/2\.0\/repositories\/acme\/clef-secrets\/src\/main\/.*": 401 Unauthorized$/,
      )
      expectNoSecret(e)
      for (const secret of [TOKEN, APP_PASSWORD]) expect(source.describe()).not.toContain(secret)
    },
  )

  it.each([
    { status: 401, code: ErrorCode.SourceAuth, transient: false, hint: /repository:read/ },
    { status: 403, code: ErrorCode.SourceAuth, transient: false, hint: /repository:read/ },
    { status: 404, code: ErrorCode.SourceNotFound, transient: false, hint: /clef pack/ },
    { status: 500, code: ErrorCode.SourceUnreachable, transient: true, hint: undefined },
  ])('$status → $code', async ({ status, code, transient, hint }) => {
    await using fake = await startFakeBitbucket({ token: TOKEN })
    fake.failWith(status)
    for (const etag of [undefined, '"an-etag"']) {
      const e = await failure(sourceFor(fake).fetch({ signal: live(), etag }))
      expect(e).toMatchObject({ code, transient, status })
      if (hint !== undefined) expect(e.hint).toMatch(hint)
      expectNoSecret(e)
    }
  })

  it('maps 429 with Retry-After to a transient source_rate_limited', async () => {
    await using fake = await startFakeBitbucket({ token: TOKEN })
    fake.failWith(429, { 'retry-after': '12' })
    const e = await failure(sourceFor(fake).fetch({ signal: live() }))
    expect(e).toMatchObject({
      code: ErrorCode.SourceRateLimited,
      transient: true,
      status: 429,
      retryAfterMs: 12_000,
    })
  })

  it('refuses a repo that is not workspace/repo_slug', () => {
    const make = () => new BitbucketSource({ repo: 'a/b/c', identity: 'api', environment: 'p', token: TOKEN })
    expect(thrown(make)).toMatchObject({ code: ErrorCode.ConfigInvalid })
  })
})
