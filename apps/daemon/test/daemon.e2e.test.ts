// The daemon as a process: configuration errors, token handling, signals, the healthcheck
// command and the demo, all through the built bundle.
import { readFile, stat } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { tempDir, vector, vectorPath } from '@clef-sh/testing'
import { runDaemon, startDaemon, waitLoaded } from './harness.ts'

const basic = vector('age-basic')
const basicEnv = { CLEF_AGENT_SOURCE: vectorPath(basic), CLEF_AGENT_AGE_KEY: basic.ageKey ?? '' }

describe('configuration', () => {
  it('exits 1 listing every problem, without echoing secrets', async () => {
    const { code, output } = await runDaemon([], {
      CLEF_AGENT_AGE_KEY: 'not-an-age-key-SUPERSECRET',
      CLEF_AGENT_PORT: '99999',
      CLEF_AGENT_CACHE_TTL: '5',
      CLEF_AGENT_SOURCSE: 'typo',
    })
    expect(code).toBe(1)
    for (const variable of [
      'CLEF_AGENT_SOURCE',
      'CLEF_AGENT_AGE_KEY',
      'CLEF_AGENT_PORT',
      'CLEF_AGENT_CACHE_TTL',
      'CLEF_AGENT_SOURCSE',
    ]) {
      expect(output).toContain(variable)
    }
    expect(output).not.toContain('SUPERSECRET')
  })

  it('rejects unknown commands', async () => {
    const { code, output } = await runDaemon(['frobnicate'], {})
    expect(code).toBe(1)
    expect(output).toContain('unknown command')
  })

  it('prints its version and help', async () => {
    expect((await runDaemon(['--version'], {})).output).toMatch(/^clef-agent \d+\.\d+\.\d+/)
    const help = await runDaemon(['--help'], {})
    expect(help.code).toBe(0)
    expect(help.output).toContain('CLEF_AGENT_SOURCE')
  })
})

describe('token', () => {
  it('generates a token into CLEF_AGENT_TOKEN_FILE with mode 0600 and never logs it', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('run/token')
    await using d = await startDaemon({ ...basicEnv, CLEF_AGENT_TOKEN: '', CLEF_AGENT_TOKEN_FILE: tokenFile })
    await waitLoaded(d)
    const token = (await readFile(tokenFile, 'utf8')).trim()
    expect(token.length).toBeGreaterThanOrEqual(32)
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600)
    const res = await fetch(`http://127.0.0.1:${d.port}/v1/secrets`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(200)
    expect(d.output()).toContain(tokenFile)
    expect(d.output()).not.toContain(token)
  })

  it('reads the token from CLEF_AGENT_TOKEN_FILE', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(tokenFile, 'file-token-abcdefghijklmnop\n', { mode: 0o600 }),
    )
    await using d = await startDaemon({ ...basicEnv, CLEF_AGENT_TOKEN: '', CLEF_AGENT_TOKEN_FILE: tokenFile })
    await waitLoaded(d)
    const res = await fetch(`http://127.0.0.1:${d.port}/v1/keys`, {
      headers: { authorization: 'Bearer file-token-abcdefghijklmnop' },
    })
    expect(res.status).toBe(200)
    expect((await d.get('/v1/keys')).status).toBe(401)
  })
})

describe('lifecycle', () => {
  it('exits 0 quickly on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      await using d = await startDaemon(basicEnv)
      await waitLoaded(d)
      const t0 = Date.now()
      expect(await d.stop(signal)).toBe(0)
      expect(Date.now() - t0).toBeLessThan(5000)
    }
  })

  it('logs one JSON object per line and no secret value', async () => {
    await using d = await startDaemon(basicEnv)
    await waitLoaded(d)
    await d.get('/v1/secrets')
    await d.stop()
    const lines = d.output().trim().split('\n')
    expect(lines.length).toBeGreaterThan(1)
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow()
    const values = basic.expect.ok
      ? Object.values(basic.expect.values).flatMap((kv) => Object.values(kv))
      : []
    for (const secret of [...values.filter((v) => v.length > 4), basic.ageKey ?? 'x', d.token]) {
      expect(d.output()).not.toContain(secret)
    }
  })

  it('answers healthcheck with 0 when ready and 1 otherwise', async () => {
    await using d = await startDaemon(basicEnv)
    await waitLoaded(d)
    expect((await runDaemon(['healthcheck'], { CLEF_AGENT_PORT: String(d.port) })).code).toBe(0)
    await d.stop()
    expect((await runDaemon(['healthcheck'], { CLEF_AGENT_PORT: String(d.port) })).code).toBe(1)
  })

  it('refuses a Host other than loopback (DNS rebinding guard)', async () => {
    await using d = await startDaemon(basicEnv)
    await waitLoaded(d)
    const { request } = await import('node:http')
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: d.port, path: '/v1/health', headers: { host: 'evil.example' } },
        (res) => {
          res.resume()
          resolve(res.statusCode)
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(403)
  })
})

describe('demo', () => {
  it('serves the bundled demo artifact and says how to call it', async () => {
    await using dir = await tempDir()
    await using d = await startDaemon(
      { CLEF_AGENT_TOKEN_FILE: dir.file('token'), CLEF_AGENT_TOKEN: '' },
      { args: ['demo'] },
    )
    await d.waitFor(() => Promise.resolve(d.output().includes('curl')))
    const token = (await readFile(dir.file('token'), 'utf8')).trim()
    const res = await fetch(`http://127.0.0.1:${d.port}/v1/secrets`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(await res.json()).toEqual(basic.expect.ok ? basic.expect.values : undefined)
  })
})
