import { ErrorCode } from '@clef-sh/errors'
import { startFakeGitHub, type FakeVcs } from '@clef-sh/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { SourceError } from '../errors.ts'
import { fakeFixture, runSourceContract } from '../testing/source-contract.ts'
import { GitHubSource, type GitHubSourceOptions } from './github-source.ts'
import { failure } from '../testing/source-failure.ts'

const TOKEN = 'ghp_Sup3rSecretTokenValue'
const ARTIFACT = '{"version":1,"revision":"1700000000000-0badc0de"}'
const live = () => new AbortController().signal

const sourceFor = (fake: FakeVcs, opts: Partial<GitHubSourceOptions> = {}) =>
  new GitHubSource({
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

runSourceContract('github', async () => {
  const fake = await startFakeGitHub({ token: TOKEN })
  return fakeFixture(fake, sourceFor(fake), [TOKEN])
})

describe('GitHubSource wire', () => {
  it('asks the Contents API for the raw file with octokit auth, then revalidates with a free 304', async () => {
    await using fake = await startFakeGitHub({ token: TOKEN })
    fake.setArtifact(ARTIFACT)
    const source = sourceFor(fake)
    const first = await source.fetch({ signal: live() })
    expect(first).toMatchObject({ changed: true, body: ARTIFACT })
    expect(first.etag).toMatch(/^"/)
    expect(fake.lastRequest).toMatchObject({
      method: 'GET',
      url: '/repos/acme/clef-secrets/contents/.clef%2Fpacked%2Fapi%2Fproduction.age.json?ref=main',
      headers: { authorization: `token ${TOKEN}`, accept: 'application/vnd.github.raw' },
    })
    expect(fake.stats.artifactBytesSent).toBe(ARTIFACT.length)
    fake.reset()
    const again = await source.fetch({ signal: live(), etag: first.etag })
    expect(again).toEqual({ changed: false, etag: first.etag })
    expect(fake.lastRequest?.headers['if-none-match']).toBe(first.etag)
    expect(fake.stats).toEqual({ requests: 1, notModified: 1, metaRequests: 0, artifactBytesSent: 0 })
  })

  it('picks up a new revision, and reads the configured ref', async () => {
    await using fake = await startFakeGitHub({ token: TOKEN })
    fake.setArtifact('{"v":1}')
    fake.setArtifact('{"v":"release"}', { ref: 'release/2.x' })
    const source = sourceFor(fake)
    const first = await source.fetch({ signal: live() })
    fake.setArtifact('{"v":2}')
    const next = await source.fetch({ signal: live(), etag: first.etag })
    expect(next).toMatchObject({ changed: true, body: '{"v":2}' })
    expect(next.etag).not.toBe(first.etag)
    const release = sourceFor(fake, { ref: 'release/2.x' })
    expect(await release.fetch({ signal: live() })).toMatchObject({ body: '{"v":"release"}' })
    expect(release.describe()).toBe(
      'github:acme/clef-secrets/.clef/packed/api/production.age.json@release/2.x',
    )
  })

  it('works against GitHub Enterprise under /api/v3', async () => {
    await using fake = await startFakeGitHub({ token: TOKEN, prefix: '/api/v3' })
    fake.setArtifact(ARTIFACT)
    expect(fake.url).toMatch(/\/api\/v3$/)
    const source = sourceFor(fake, { apiUrl: `${fake.url}/` })
    expect(await source.fetch({ signal: live() })).toMatchObject({ changed: true, body: ARTIFACT })
    expect(fake.lastRequest?.url).toMatch(/^\/api\/v3\/repos\/acme\/clef-secrets\/contents\//)
  })

  it('caps the body and times out', async () => {
    await using fake = await startFakeGitHub({ token: TOKEN })
    fake.setArtifact('x'.repeat(1_000))
    const big = await failure(sourceFor(fake, { maxBytes: 999 }).fetch({ signal: live() }))
    expect(big).toMatchObject({ code: ErrorCode.SourceTooLarge, transient: false })
    fake.latencyMs = 5_000
    const slow = await failure(sourceFor(fake, { timeoutMs: 50 }).fetch({ signal: live() }))
    expect(slow).toMatchObject({ code: ErrorCode.SourceUnreachable, transient: true })
    expect(slow.message).toMatch(/timed out after 50 ms$/)
  })
})

describe('GitHubSource failures', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('rejects a wrong token as source_auth naming contents:read, without the token anywhere', async () => {
    await using fake = await startFakeGitHub({ token: 'ghp_theRealOne' })
    fake.setArtifact(ARTIFACT)
    const source = sourceFor(fake)
    const e = await failure(source.fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceAuth, status: 401, transient: false })
    expect(e.hint).toMatch(/contents:read/)
    expect(e.message).toMatch(
      /^\[GET\] "http:\/\/127\.0\.0\.1:\d+\/repos\/acme\/clef-secrets\/contents\/.*": 401 Unauthorized$/,
    )
    expectNoToken(e)
    expect(source.describe()).toBe('github:acme/clef-secrets/.clef/packed/api/production.age.json@main')
  })

  it.each([
    { status: 401, code: ErrorCode.SourceAuth, transient: false, hint: /contents:read/ },
    { status: 403, code: ErrorCode.SourceAuth, transient: false, hint: /contents:read/ },
    {
      status: 404,
      code: ErrorCode.SourceNotFound,
      transient: false,
      hint: /clef pack.*identity, environment and ref/,
    },
    { status: 500, code: ErrorCode.SourceUnreachable, transient: true, hint: undefined },
    { status: 503, code: ErrorCode.SourceUnreachable, transient: true, hint: undefined },
  ])('$status → $code', async ({ status, code, transient, hint }) => {
    await using fake = await startFakeGitHub({ token: TOKEN })
    fake.failWith(status)
    const e = await failure(sourceFor(fake).fetch({ signal: live() }))
    expect(e).toMatchObject({ code, transient, status })
    if (hint !== undefined) expect(e.hint).toMatch(hint)
    expectNoToken(e)
  })

  it('maps 429 with Retry-After to a transient source_rate_limited', async () => {
    await using fake = await startFakeGitHub({ token: TOKEN })
    fake.failWith(429, { 'retry-after': '7' })
    const e = await failure(sourceFor(fake).fetch({ signal: live() }))
    expect(e).toMatchObject({
      code: ErrorCode.SourceRateLimited,
      transient: true,
      status: 429,
      retryAfterMs: 7_000,
    })
  })

  it.each([403, 429])(
    'takes %i with x-ratelimit-remaining 0 as rate limited until the reset',
    async (status) => {
      await using fake = await startFakeGitHub({ token: TOKEN })
      const now = () => Date.parse('2026-01-01T00:00:00Z')
      const reset = String(now() / 1000 + 90)
      fake.failWith(status, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': reset,
      })
      const e = await failure(sourceFor(fake, { now }).fetch({ signal: live() }))
      expect(e).toMatchObject({
        code: ErrorCode.SourceRateLimited,
        transient: true,
        status,
        retryAfterMs: 90_000,
      })
      expect(e.message).toMatch(/rate limit exceeded/)
      expect(e.hint).toMatch(/rate limit/)
    },
  )

  it('takes a 403 with Retry-After (secondary limit) as rate limited, and a reset in the past as 0', async () => {
    await using fake = await startFakeGitHub({ token: TOKEN })
    fake.failWith(403, { 'retry-after': '60' })
    const secondary = await failure(sourceFor(fake).fetch({ signal: live() }))
    expect(secondary).toMatchObject({ code: ErrorCode.SourceRateLimited, retryAfterMs: 60_000 })
    fake.failWith(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1000' })
    const past = await failure(sourceFor(fake).fetch({ signal: live() }))
    expect(past).toMatchObject({ code: ErrorCode.SourceRateLimited, retryAfterMs: 0 })
    fake.failWith(403, { 'x-ratelimit-remaining': '12' })
    expect(await failure(sourceFor(fake).fetch({ signal: live() }))).toMatchObject({
      code: ErrorCode.SourceAuth,
    })
  })

  it('keeps octokit off the console and reports through the logger', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => {}),
    )
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    await using fake = await startFakeGitHub({ token: TOKEN })
    fake.failWith(404, { deprecation: 'true', sunset: 'tomorrow' })
    await failure(sourceFor(fake, { logger }).fetch({ signal: live() }))
    for (const spy of spies) expect(spy).not.toHaveBeenCalled()
    expect(logger.debug).toHaveBeenCalledWith(
      'github source answered',
      expect.objectContaining({ status: 404 }),
    )
    expect(JSON.stringify(logger.debug.mock.calls)).not.toContain(TOKEN)
  })

  it('uses the injected fetch', async () => {
    await using fake = await startFakeGitHub({ token: TOKEN })
    fake.setArtifact(ARTIFACT)
    const seen: string[] = []
    const counting: typeof fetch = (input, init) => {
      seen.push(input instanceof Request ? input.url : input.toString())
      return fetch(input, init)
    }
    await sourceFor(fake, { fetch: counting }).fetch({ signal: live() })
    expect(seen).toEqual([
      `${fake.url}/repos/acme/clef-secrets/contents/.clef%2Fpacked%2Fapi%2Fproduction.age.json?ref=main`,
    ])
  })

  it('refuses bad options as config_invalid without echoing the token', () => {
    const thrown = (opts: Partial<GitHubSourceOptions>): unknown => {
      try {
        return new GitHubSource({ repo: 'a/b', identity: 'api', environment: 'prod', token: TOKEN, ...opts })
      } catch (e) {
        return e
      }
    }
    for (const bad of [
      { repo: 'just-a-name' },
      { repo: 'a/b/c' },
      { identity: '../etc' },
      { environment: 'prod/x' },
      { token: '' },
      { apiUrl: 'ftp://example.com' },
      { apiUrl: `https://x:${TOKEN}@example.com` },
    ]) {
      const e = thrown(bad)
      expect(e).toMatchObject({ code: ErrorCode.ConfigInvalid })
      expect((e as Error).message).not.toContain(TOKEN)
    }
  })
})
