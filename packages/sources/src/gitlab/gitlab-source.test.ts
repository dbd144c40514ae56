import { ErrorCode } from '@clef-sh/errors'
import { startFakeGitLab, type FakeGitLabOptions, type FakeVcs } from '@clef-sh/testing'
import { describe, expect, it } from 'vitest'
import type { SourceError } from '../errors.ts'
import { fakeFixture, runSourceContract } from '../testing/source-contract.ts'
import { GitLabSource, type GitLabSourceOptions } from './gitlab-source.ts'
import { failure } from '../testing/source-failure.ts'

const TOKEN = 'glpat-Sup3rSecretTokenValue'
const ARTIFACT = '{"version":1,"revision":"1700000000000-0badc0de"}'
const FILE = 'repository/files/.clef%2Fpacked%2Fapi%2Fproduction.age.json'
const live = () => new AbortController().signal
const thrown = (make: () => unknown): unknown => {
  try {
    return make()
  } catch (e) {
    return e
  }
}

const sourceFor = (fake: FakeVcs, opts: Partial<GitLabSourceOptions> = {}) =>
  new GitLabSource({
    repo: 'acme/clef-secrets',
    identity: 'api',
    environment: 'production',
    token: TOKEN,
    apiUrl: fake.url,
    ...opts,
  })

const expectNoToken = (e: SourceError) => {
  for (const text of [e.message, e.hint ?? '', e.source, JSON.stringify(e)]) expect(text).not.toContain(TOKEN)
}

const contract = (name: string, opts: Partial<FakeGitLabOptions>) => {
  runSourceContract(name, async () => {
    const fake = await startFakeGitLab({ token: TOKEN, ...opts })
    return fakeFixture(fake, sourceFor(fake), [TOKEN])
  })
}
contract('gitlab (blob ids)', {})
contract('gitlab (ETags)', { etags: true })

describe('GitLabSource wire', () => {
  it('downloads the raw file once, then confirms it with a HEAD and its blob id', async () => {
    await using fake = await startFakeGitLab({ token: TOKEN })
    const version = fake.setArtifact(ARTIFACT)
    const source = sourceFor(fake)
    const first = await source.fetch({ signal: live() })
    expect(first).toEqual({ changed: true, body: ARTIFACT, etag: version.blobId })
    expect(fake.lastRequest).toMatchObject({
      method: 'GET',
      url: `/api/v4/projects/acme%2Fclef-secrets/${FILE}/raw?ref=main`,
      headers: { 'private-token': TOKEN },
    })
    fake.reset()
    const again = await source.fetch({ signal: live(), etag: first.etag })
    expect(again).toEqual({ changed: false, etag: version.blobId })
    expect(fake.lastRequest).toMatchObject({
      method: 'HEAD',
      url: `/api/v4/projects/acme%2Fclef-secrets/${FILE}?ref=main`,
    })
    expect(fake.stats).toEqual({ requests: 1, notModified: 0, metaRequests: 1, artifactBytesSent: 0 })
  })

  it('downloads only when the blob id changed', async () => {
    await using fake = await startFakeGitLab({ token: TOKEN })
    const v1 = fake.setArtifact('{"v":1}')
    const source = sourceFor(fake)
    await source.fetch({ signal: live() })
    const v2 = fake.setArtifact('{"v":2}')
    fake.reset()
    expect(await source.fetch({ signal: live(), etag: v1.blobId })).toEqual({
      changed: true,
      body: '{"v":2}',
      etag: v2.blobId,
    })
    expect(fake.stats).toMatchObject({ requests: 2, metaRequests: 1, artifactBytesSent: 7 })
  })

  it('revalidates with If-None-Match when GitLab sends an ETag', async () => {
    await using fake = await startFakeGitLab({ token: TOKEN, etags: true })
    fake.setArtifact(ARTIFACT)
    const source = sourceFor(fake)
    const first = await source.fetch({ signal: live() })
    expect(first.etag).toMatch(/^W\/"/)
    fake.reset()
    expect(await source.fetch({ signal: live(), etag: first.etag })).toEqual({
      changed: false,
      etag: first.etag,
    })
    expect(fake.lastRequest?.headers['if-none-match']).toBe(first.etag)
    expect(fake.stats).toEqual({ requests: 1, notModified: 1, metaRequests: 0, artifactBytesSent: 0 })
  })

  it('works on a self-managed instance under a relative root, with a nested project path and a ref', async () => {
    const project = 'platform/secrets/prod-config'
    await using fake = await startFakeGitLab({ token: TOKEN, root: '/gitlab', project })
    fake.setArtifact(ARTIFACT, { ref: 'release/2.x' })
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/gitlab$/)
    const source = sourceFor(fake, { repo: project, ref: 'release/2.x' })
    expect(await source.fetch({ signal: live() })).toMatchObject({ changed: true, body: ARTIFACT })
    expect(fake.lastRequest?.url).toBe(
      `/gitlab/api/v4/projects/platform%2Fsecrets%2Fprod-config/${FILE}/raw?ref=release%2F2.x`,
    )
    expect(source.describe()).toBe(`gitlab:${project}/.clef/packed/api/production.age.json@release/2.x`)
  })

  it('caps the body and times out', async () => {
    await using fake = await startFakeGitLab({ token: TOKEN })
    fake.setArtifact('x'.repeat(1_000))
    const big = await failure(sourceFor(fake, { maxBytes: 999 }).fetch({ signal: live() }))
    expect(big).toMatchObject({ code: ErrorCode.SourceTooLarge, transient: false })
    fake.latencyMs = 5_000
    const slow = await failure(sourceFor(fake, { timeoutMs: 50 }).fetch({ signal: live() }))
    expect(slow).toMatchObject({ code: ErrorCode.SourceUnreachable, transient: true })
    expect(slow.message).toMatch(/timed out after 50 ms$/)
  })
})

describe('GitLabSource failures', () => {
  it('rejects a wrong token as source_auth naming read_repository, without the token anywhere', async () => {
    await using fake = await startFakeGitLab({ token: 'glpat-theRealOne' })
    fake.setArtifact(ARTIFACT)
    const e = await failure(sourceFor(fake).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceAuth, status: 401, transient: false })
    expect(e.hint).toMatch(/read_repository.*read_api/)
    expect(e.message).toMatch(
      /^\[GET\] "http:\/\/127\.0\.0\.1:\d+\/api\/v4\/projects\/acme%2Fclef-secrets\/.*\/raw\?ref=\*\*\*": 401 Unauthorized$/,
    )
    expectNoToken(e)
  })

  it.each([
    { status: 401, code: ErrorCode.SourceAuth, transient: false, hint: /read_repository/ },
    { status: 403, code: ErrorCode.SourceAuth, transient: false, hint: /read_repository/ },
    { status: 404, code: ErrorCode.SourceNotFound, transient: false, hint: /clef pack/ },
    { status: 500, code: ErrorCode.SourceUnreachable, transient: true, hint: undefined },
    { status: 502, code: ErrorCode.SourceUnreachable, transient: true, hint: undefined },
  ])('$status → $code, on the download and on the HEAD', async ({ status, code, transient, hint }) => {
    await using fake = await startFakeGitLab({ token: TOKEN })
    fake.failWith(status)
    for (const etag of [undefined, 'a'.repeat(40)]) {
      fake.reset()
      const e = await failure(sourceFor(fake).fetch({ signal: live(), etag }))
      expect(e).toMatchObject({ code, transient, status })
      expect(e.message.startsWith(etag === undefined ? '[GET]' : '[HEAD]')).toBe(true)
      if (hint !== undefined) expect(e.hint).toMatch(hint)
      expectNoToken(e)
      expect(fake.stats.requests).toBe(1)
    }
  })

  it('reports 429 at once with its Retry-After: gitbeaker does not retry behind our back', async () => {
    await using fake = await startFakeGitLab({ token: TOKEN })
    fake.failWith(429, { 'retry-after': '30' })
    const e = await failure(sourceFor(fake).fetch({ signal: live() }))
    expect(e).toMatchObject({
      code: ErrorCode.SourceRateLimited,
      transient: true,
      status: 429,
      retryAfterMs: 30_000,
    })
    expect(fake.stats.requests).toBe(1)
  })

  it('reports a removed file as source_not_found from the HEAD', async () => {
    await using fake = await startFakeGitLab({ token: TOKEN })
    const v = fake.setArtifact(ARTIFACT)
    fake.remove()
    const e = await failure(sourceFor(fake).fetch({ signal: live(), etag: v.blobId }))
    expect(e).toMatchObject({ code: ErrorCode.SourceNotFound, status: 404 })
    expect(e.message).toMatch(/^\[HEAD\]/)
  })

  it('refuses a project that is neither a path nor an id', () => {
    const make = () => new GitLabSource({ repo: 'lonely', identity: 'api', environment: 'p', token: TOKEN })
    expect(thrown(make)).toMatchObject({ code: ErrorCode.ConfigInvalid })
    expect(new GitLabSource({ repo: '42', identity: 'api', environment: 'p', token: TOKEN }).describe()).toBe(
      'gitlab:42/.clef/packed/api/p.age.json@main',
    )
  })
})
