import { describe, expect, it } from 'vitest'
import { startFakeBitbucket } from './fake-bitbucket.ts'
import { startFakeGitHub } from './fake-github.ts'
import { startFakeGitLab } from './fake-gitlab.ts'

const FILE = '.clef/packed/api/production.age.json'

describe('fake GitHub', () => {
  it('serves a path sent encoded or literal, raw or as base64 JSON, and only with `token` auth', async () => {
    await using gh = await startFakeGitHub({ token: 't0k' })
    const v = gh.setArtifact('hello\n')
    // The git blob id of "hello\n", as `git hash-object` prints it.
    expect(v.blobId).toBe('ce013625030ba8dba906f756967f9e9ca394464a')
    const auth = { authorization: 'token t0k', accept: 'application/vnd.github.raw' }
    const base = `${gh.url}/repos/acme/clef-secrets/contents`
    const encoded = await fetch(`${base}/${encodeURIComponent(FILE)}?ref=main`, { headers: auth })
    expect([encoded.status, await encoded.text()]).toEqual([200, 'hello\n'])
    const literal = await fetch(`${base}/${FILE}`, { headers: auth })
    expect(await literal.text()).toBe('hello\n')
    const plain = await fetch(`${base}/${FILE}`, { headers: { authorization: 'token t0k' } })
    const jsonText = await plain.text()
    const json = JSON.parse(jsonText) as { content: string }
    expect(Buffer.from(json.content, 'base64').toString()).toBe('hello\n')
    const bearer = await fetch(`${base}/${FILE}`, { headers: { authorization: 'Bearer t0k' } })
    expect(bearer.status).toBe(401)
    expect(gh.stats).toEqual({
      requests: 4,
      notModified: 0,
      metaRequests: 0,
      artifactBytesSent: 12 + jsonText.length,
    })
  })

  it('answers 304 to a matching (weak) If-None-Match, and stops when etags are off', async () => {
    await using gh = await startFakeGitHub({ token: 't' })
    gh.setArtifact('x')
    const url = `${gh.url}/repos/acme/clef-secrets/contents/${FILE}`
    const headers = { authorization: 'token t', accept: 'application/vnd.github.raw' }
    const etag = (await fetch(url, { headers })).headers.get('etag') ?? ''
    const weak = await fetch(url, { headers: { ...headers, 'if-none-match': `W/${etag}` } })
    expect(weak.status).toBe(304)
    gh.etags = false
    expect((await fetch(url, { headers: { ...headers, 'if-none-match': etag } })).status).toBe(200)
  })
})

describe('fake GitLab', () => {
  it('needs both ids URL-encoded, answers HEAD with X-Gitlab-* headers and counts it', async () => {
    await using gl = await startFakeGitLab({ token: 'glpat', root: '/gitlab', project: 'a/b/c' })
    const v = gl.setArtifact('{}')
    const files = `${gl.url}/api/v4/projects/a%2Fb%2Fc/repository/files`
    const headers = { 'private-token': 'glpat' }
    const head = await fetch(`${files}/${encodeURIComponent(FILE)}?ref=main`, { method: 'HEAD', headers })
    expect(head.headers.get('x-gitlab-blob-id')).toBe(v.blobId)
    expect(head.headers.get('x-gitlab-commit-id')).toBe(v.commit)
    expect((await fetch(`${files}/${FILE}/raw`, { headers })).status).toBe(404)
    expect((await fetch(`${files}/${encodeURIComponent(FILE)}/raw`)).status).toBe(401)
    expect(gl.stats).toMatchObject({ requests: 3, metaRequests: 1, artifactBytesSent: 0 })
  })
})

describe('fake Bitbucket', () => {
  it('serves a file at its branch and at every commit it was published with', async () => {
    await using bb = await startFakeBitbucket({ token: 'user:app-pw' })
    const v1 = bb.setArtifact('one')
    bb.setArtifact('two')
    const headers = { authorization: `Basic ${Buffer.from('user:app-pw').toString('base64')}` }
    const src = `${bb.url}/2.0/repositories/acme/clef-secrets/src`
    expect(await (await fetch(`${src}/main/${FILE}`, { headers })).text()).toBe('two')
    expect(await (await fetch(`${src}/${v1.commit}/${FILE}`, { headers })).text()).toBe('one')
    const meta = (await (await fetch(`${src}/${v1.commit}/${FILE}?format=meta`, { headers })).json()) as {
      commit: { hash: string }
    }
    expect(meta.commit.hash).toBe(v1.commit)
    expect(
      (await fetch(`${src}/main/${FILE}`, { headers: { authorization: 'Bearer user:app-pw' } })).status,
    ).toBe(401)
  })

  it('answers an injected failure to every request, with its headers, until cleared', async () => {
    await using bb = await startFakeBitbucket({ token: 't' })
    bb.setArtifact('x')
    bb.failWith(429, { 'retry-after': '5' })
    const url = `${bb.url}/2.0/repositories/acme/clef-secrets/src/main/${FILE}`
    const res = await fetch(url, { headers: { authorization: 'Bearer t' } })
    expect([res.status, res.headers.get('retry-after')]).toEqual([429, '5'])
    bb.failWith(null)
    expect((await fetch(url, { headers: { authorization: 'Bearer t' } })).status).toBe(200)
  })
})
