import { ErrorCode } from '@clef-sh/errors'
import { startHttpOrigin } from '@clef-sh/testing'
import { describe, expect, it } from 'vitest'
import { createSource, type SourceConfig } from '../create-source.ts'
import { HttpSource } from './http-source.ts'
import { MAX_REDIRECTS } from './guarded-fetch.ts'
import { failure } from '../testing/source-failure.ts'

const TOKEN = 'tok-Redirect-Secret-1'
const live = () => new AbortController().signal

describe('credentials never follow a redirect to another origin', () => {
  it('an HTTP source with userinfo and custom headers refuses a redirect to a second server, which receives nothing', async () => {
    await using elsewhere = await startHttpOrigin({ body: '{"stolen":true}' })
    await using origin = await startHttpOrigin()
    origin.failWith(302, { location: `${elsewhere.url}?from=redirect` })
    const url = `http://alice:pw-Hunter2@127.0.0.1:${origin.port}/a.json`
    const source = new HttpSource({ url, headers: { 'X-Api-Key': TOKEN } })
    const e = await failure(source.fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceRedirect, transient: false })
    expect(e.message).toBe(
      `[GET] "http://127.0.0.1:${origin.port}": redirect to http://127.0.0.1:${elsewhere.port} refused (credentials stay on the same https origin)`,
    )
    expect(e.hint).toMatch(/never sent there/)
    expect(origin.stats.requests).toBe(1)
    expect(elsewhere.stats.requests).toBe(0)
    expect(elsewhere.lastRequestHeaders).toBeUndefined()
    expect(JSON.stringify({ m: e.message, h: e.hint, s: e.source })).not.toMatch(/Hunter2|Redirect-Secret/)
  })

  it('refuses even a same-origin redirect when it is not https (no downgrade, no cleartext hop)', async () => {
    await using origin = await startHttpOrigin()
    origin.failWith(301, { location: '/moved.json' })
    const source = new HttpSource({ url: origin.url, headers: { authorization: `Bearer ${TOKEN}` } })
    await expect(source.fetch({ signal: live() })).rejects.toMatchObject({ code: ErrorCode.SourceRedirect })
    expect(origin.stats.requests).toBe(1)
  })

  it('an HTTP source without credentials still follows a redirect to a CDN', async () => {
    await using cdn = await startHttpOrigin({ body: '{"v":1}' })
    await using origin = await startHttpOrigin()
    origin.failWith(302, { location: cdn.url })
    const got = await new HttpSource({ url: origin.url }).fetch({ signal: live() })
    expect(got).toMatchObject({ changed: true, body: '{"v":1}' })
    expect(cdn.stats.requests).toBe(1)
  })

  it.each(['github', 'gitlab', 'bitbucket'] as const)(
    'a %s source refuses an API redirect to a second server, which never sees the token',
    async (kind) => {
      await using elsewhere = await startHttpOrigin({ body: 'x' })
      await using api = await startHttpOrigin()
      api.failWith(302, { location: elsewhere.url })
      const config: SourceConfig = {
        kind,
        repo: 'acme/clef-secrets',
        identity: 'api',
        environment: 'production',
        token: TOKEN,
        apiUrl: `http://127.0.0.1:${api.port}`,
      }
      const e = await failure(createSource(config).fetch({ signal: live() }))
      expect(e).toMatchObject({ code: ErrorCode.SourceRedirect, transient: false })
      expect(e.message).toContain(`redirect to http://127.0.0.1:${elsewhere.port} refused`)
      expect(api.stats.requests).toBe(1)
      expect(elsewhere.stats.requests).toBe(0)
      expect(e.message + String(e.hint)).not.toContain(TOKEN)
    },
  )
})

describe('redirect loops', () => {
  it('are reported by name as source_redirect, not as a TypeError', async () => {
    await using origin = await startHttpOrigin()
    origin.failWith(302, { location: origin.url })
    const e = await failure(new HttpSource({ url: origin.url }).fetch({ signal: live() }))
    expect(e).toMatchObject({ code: ErrorCode.SourceRedirect, transient: false })
    expect(e.message).toBe(
      `[GET] "http://127.0.0.1:${origin.port}": too many redirects (more than ${MAX_REDIRECTS})`,
    )
    expect(e.hint).toMatch(/keeps redirecting/)
    expect(origin.stats.requests).toBe(MAX_REDIRECTS + 1)
  })
})
