// What the agent sends out and how it names its source, through the real daemon: a FIFO source
// never wedges it, credentials never follow a redirect to another server, and a signed URL's
// query values never reach a log line, /v1/health or a telemetry event.
import { execFileSync } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  createAgeKey,
  newRevision,
  packArtifact,
  startHttpOrigin,
  startOtlpReceiver,
  tempDir,
} from '@clef-sh/testing'
import { runDaemon, startDaemon, waitLoaded, type Daemon } from './harness.ts'

interface Health {
  revision: string | null
  lastError: { code: string; message: string } | null
}

const health = async (d: Daemon): Promise<Health> =>
  (await d.get('/v1/health', { auth: false })).json as Health

describe('a FIFO named as the file source', () => {
  it('is refused at once with a code, POST /v1/refresh answers, and the agent recovers on a regular file', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const path = dir.file('artifact.json')
    execFileSync('mkfifo', [path])
    await using d = await startDaemon({ CLEF_AGENT_SOURCE: path, CLEF_AGENT_AGE_KEY: key.identity })
    const started = Date.now()
    await waitLoaded(d)
    expect(Date.now() - started).toBeLessThan(3_000)
    expect((await health(d)).lastError).toMatchObject({
      code: 'source_invalid_response',
      message: `[READ] "${path}": not a regular file`,
    })

    const t0 = Date.now()
    const refused = await d.get('/v1/refresh', { method: 'POST' })
    expect(Date.now() - t0).toBeLessThan(3_000)
    expect(refused.status).toBe(503)
    expect(refused.json).toMatchObject({ code: 'source_invalid_response' })

    const revision = newRevision(Date.now())
    await rm(path)
    await writeFile(
      path,
      await packArtifact({ values: { app: { A: 'one' } }, recipient: key.recipient, revision }),
    )
    const back = await d.get('/v1/refresh', { method: 'POST' })
    expect(back).toMatchObject({ status: 200, json: { revision } })
    expect((await d.get('/v1/secrets')).json).toEqual({ app: { A: 'one' } })
  })
})

describe('credentials and redirects', () => {
  it('an http source with userinfo refuses a redirect to a second server, which receives nothing', async () => {
    await using elsewhere = await startHttpOrigin({ body: '{}' })
    await using origin = await startHttpOrigin()
    origin.failWith(302, { location: elsewhere.url })
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: `http://agent:pw-Sup3rSecret@127.0.0.1:${origin.port}/a.json`,
      CLEF_AGENT_AGE_KEY: (await createAgeKey()).identity,
    })
    await waitLoaded(d)
    expect((await health(d)).lastError).toMatchObject({ code: 'source_redirect' })
    expect(origin.stats.requests).toBeGreaterThan(0)
    expect(elsewhere.stats.requests).toBe(0)
    expect(d.output()).toContain('source_redirect')
    expect(d.output()).not.toContain('Sup3rSecret')
  })

  it('a GitLab token never reaches the server an API redirect names', async () => {
    const token = 'glpat-Redirect-Sup3rSecret'
    await using elsewhere = await startHttpOrigin({ body: '{}' })
    await using api = await startHttpOrigin()
    api.failWith(302, { location: `${elsewhere.url}?stolen=1` })
    await using d = await startDaemon({
      CLEF_AGENT_VCS_PROVIDER: 'gitlab',
      CLEF_AGENT_VCS_REPO: 'acme/clef-secrets',
      CLEF_AGENT_VCS_TOKEN: token,
      CLEF_AGENT_VCS_IDENTITY: 'api',
      CLEF_AGENT_VCS_ENVIRONMENT: 'production',
      CLEF_AGENT_VCS_API_URL: `http://127.0.0.1:${api.port}`,
      CLEF_AGENT_AGE_KEY: (await createAgeKey()).identity,
    })
    await waitLoaded(d)
    expect((await health(d)).lastError?.code).toBe('source_redirect')
    expect(api.lastRequestHeaders?.['private-token']).toBe(token)
    expect(elsewhere.stats.requests).toBe(0)
    expect(elsewhere.lastRequestHeaders).toBeUndefined()
    expect(d.output()).not.toContain(token)
  })
})

describe('a same-origin https redirect', () => {
  it('is followed with the credentials (a moved artifact keeps working)', async () => {
    await using dir = await tempDir()
    const [keyPem, certPem] = [dir.file('key.pem'), dir.file('cert.pem')]
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyPem,
        '-out',
        certPem,
      ],
      { stdio: 'ignore' },
    )
    const age = await createAgeKey()
    const revision = newRevision(Date.now())
    const artifact = await packArtifact({
      values: { app: { A: 'moved' } },
      recipient: age.recipient,
      revision,
    })
    const seen: { path: string | undefined; auth: string | undefined }[] = []
    const server = createServer(
      { key: await readFile(keyPem), cert: await readFile(certPem) },
      (req, res) => {
        seen.push({ path: req.url, auth: req.headers.authorization })
        if (req.url === '/a.json') res.writeHead(301, { location: '/moved/a.json' }).end()
        else res.writeHead(200, { 'content-type': 'application/json' }).end(artifact)
      },
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      await using d = await startDaemon({
        CLEF_AGENT_SOURCE: `https://agent:pw-0ne@127.0.0.1:${String(port)}/a.json`,
        CLEF_AGENT_AGE_KEY: age.identity,
        NODE_EXTRA_CA_CERTS: certPem,
      })
      await waitLoaded(d)
      expect((await d.get('/v1/secrets')).json).toEqual({ app: { A: 'moved' } })
      const basic = `Basic ${Buffer.from('agent:pw-0ne').toString('base64')}`
      expect(seen.slice(0, 2)).toEqual([
        { path: '/a.json', auth: basic },
        { path: '/moved/a.json', auth: basic },
      ])
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})

describe('a signed source URL', () => {
  it('shows query names only: in the logs, in /v1/health and in telemetry', async () => {
    const values = ['SIGVALUE-1a2b', 'CREDVALUE-3c4d', 'TOKVALUE-5e6f']
    await using rx = await startOtlpReceiver()
    await using origin = await startHttpOrigin()
    origin.setBody(null)
    const query = `X-Goog-Signature=${values[0]}&X-Goog-Credential=${values[1]}&access_token=${values[2]}`
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: `http://127.0.0.1:${origin.port}/a.json?${query}`,
      CLEF_AGENT_AGE_KEY: (await createAgeKey()).identity,
      CLEF_AGENT_TELEMETRY_URL: rx.url,
      CLEF_AGENT_LOG_LEVEL: 'debug',
    })
    await waitLoaded(d)
    expect((await d.get('/v1/refresh', { method: 'POST' })).status).toBe(503)
    const h = await health(d)
    expect(h.lastError?.code).toBe('source_not_found')
    await d.stop()
    const named = 'a.json?X-Goog-Signature=***&X-Goog-Credential=***&access_token=***'
    expect(h.lastError?.message).toContain(named)
    expect(d.output()).toContain(named)
    expect(d.output()).not.toContain('http:http')
    const telemetry = JSON.stringify(rx.exports.map((e) => e.text))
    expect(telemetry).toContain(named)
    for (const value of values) {
      expect(d.output()).not.toContain(value)
      expect(JSON.stringify(h)).not.toContain(value)
      expect(telemetry).not.toContain(value)
    }
  })
})

describe('errors that say what to do', () => {
  it.each(['http//example.com/a.json', 's3:/bucket/key'])(
    'a malformed URL (%s) exits 1 at start naming CLEF_AGENT_SOURCE, not as a missing file',
    async (value) => {
      const { code, output } = await runDaemon([], {
        CLEF_AGENT_SOURCE: value,
        CLEF_AGENT_AGE_KEY: (await createAgeKey()).identity,
        CLEF_AGENT_TOKEN: 'test-token-0123456789abcdef',
      })
      expect(code).toBe(1)
      expect(output).toMatch(/CLEF_AGENT_SOURCE.*looks like a URL but is malformed/)
      expect(output).not.toMatch(/packed|source_not_found/)
    },
  )

  it('a refused connection is logged by its cause, with a hint, not as a TypeError', async () => {
    const origin = await startHttpOrigin()
    await origin.stop()
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: (await createAgeKey()).identity,
    })
    await waitLoaded(d)
    expect((await health(d)).lastError).toMatchObject({
      code: 'source_unreachable',
      message: `[GET] "${origin.url}": request failed (ECONNREFUSED)`,
    })
    expect(d.output()).toContain('request failed (ECONNREFUSED)')
    expect(d.output()).toContain('check the URL and that the server is up')
    expect(d.output()).not.toContain('TypeError')
    await origin.close()
  })
})
