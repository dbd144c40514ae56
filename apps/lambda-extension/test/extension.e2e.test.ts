// The built extension as Lambda runs it, against the fake Extensions API: register, load during
// INIT, serve the function, INVOKE, SHUTDOWN within its deadline, INIT and fatal failures
// reported with `Extension.<Code>`, and SnapStart loading nothing before the first INVOKE.
import { existsSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { startFakeLambda, startHttpOrigin, tempDir, vector, vectorPath, vectorText } from '@clef-sh/testing'
import { BUNDLE, startExtension } from './harness.ts'

const basic = vector('age-basic')
const basicEnv = { CLEF_AGENT_SOURCE: vectorPath(basic), CLEF_AGENT_AGE_KEY: basic.ageKey ?? '' }
const values = basic.expect.ok ? basic.expect.values : {}

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run pnpm build first`)
})

describe('lambda extension lifecycle', () => {
  it('registers, loads during INIT, serves, takes INVOKEs and stops inside the SHUTDOWN deadline', async () => {
    await using lambda = await startFakeLambda({ extensionNames: ['clef-agent'] })
    await using ext = await startExtension({
      runtimeApi: lambda.runtimeApi,
      env: basicEnv,
      args: [BUNDLE, '--name', 'clef-agent'],
    })
    await lambda.initDone()
    expect(lambda.extensions).toMatchObject([{ name: 'clef-agent', events: ['INVOKE', 'SHUTDOWN'] }])
    // INIT ends only once the secrets are loaded: the function's first call is served at once.
    expect(await ext.get('/v1/secrets')).toEqual({ status: 200, json: values })
    await lambda.invoke({ timeoutMs: 3000 })
    await lambda.invoke({ timeoutMs: 3000 })
    expect((await ext.get('/v1/secrets/app__API_KEY')).json).toEqual({
      key: 'app__API_KEY',
      value: values['app']?.['API_KEY'],
    })
    const shutdown = lambda.shutdown({ deadlineInMs: 1500 })
    expect(await ext.exited).toBe(0)
    expect(Date.now()).toBeLessThan(shutdown.deadlineMs)
    expect(lambda.errors).toEqual([])
    expect(ext.output()).not.toContain(basic.ageKey ?? 'no key')
  })

  it("counts the function's requests in /v1/metrics", async () => {
    await using lambda = await startFakeLambda()
    await using ext = await startExtension({ runtimeApi: lambda.runtimeApi, env: basicEnv })
    await lambda.initDone()
    for (let i = 0; i < 3; i++) expect((await ext.get('/v1/secrets')).status).toBe(200)
    const res = await fetch(`http://127.0.0.1:${ext.port}/v1/metrics`)
    expect(await res.text()).toMatch(/^clef_agent_http_requests_total\{route="secrets",status="200"\} 3$/m)
    lambda.shutdown()
    expect(await ext.exited).toBe(0)
  })

  it('reports an INIT failure to init/error as Extension.<Code> and exits 1', async () => {
    const tampered = vector('signed-tampered-metadata')
    await using lambda = await startFakeLambda()
    await using ext = await startExtension({
      runtimeApi: lambda.runtimeApi,
      env: {
        CLEF_AGENT_SOURCE: vectorPath(tampered),
        CLEF_AGENT_AGE_KEY: tampered.ageKey ?? '',
        CLEF_AGENT_VERIFY_KEY: tampered.verifyKey ?? '',
      },
    })
    const report = await lambda.nextError('init')
    expect(report.errorType).toBe('Extension.SignatureInvalid')
    const body = report.body as { errorType: string; errorMessage: string }
    expect(body.errorType).toBe('Extension.SignatureInvalid')
    expect(body.errorMessage).toMatch(/signature/i)
    expect(await ext.exited).toBe(1)
    expect(lambda.extensions[0]?.initDoneAt).toBeUndefined()
  })

  it('reports a bad configuration as Extension.ConfigInvalid, naming the variable, not the value', async () => {
    await using lambda = await startFakeLambda()
    await using ext = await startExtension({
      runtimeApi: lambda.runtimeApi,
      env: { CLEF_AGENT_SOURCE: vectorPath(basic), CLEF_AGENT_AGE_KEY: 'not-a-key-TOPSECRET' },
    })
    const report = await lambda.nextError('init')
    expect(report.errorType).toBe('Extension.ConfigInvalid')
    expect(JSON.stringify(report.body)).toContain('CLEF_AGENT_AGE_KEY')
    expect(JSON.stringify(report.body)).not.toContain('TOPSECRET')
    expect(await ext.exited).toBe(1)
    expect(ext.output()).not.toContain('TOPSECRET')
  })

  it('under SnapStart fetches and decrypts nothing before the first INVOKE, whoever asks', async () => {
    await using origin = await startHttpOrigin({ body: vectorText(basic) })
    await using lambda = await startFakeLambda()
    await using ext = await startExtension({
      runtimeApi: lambda.runtimeApi,
      env: { ...basicEnv, CLEF_AGENT_SOURCE: origin.url, AWS_LAMBDA_INITIALIZATION_TYPE: 'snap-start' },
    })
    await lambda.initDone()
    const health = (await ext.get('/v1/health')).json
    expect(health).toMatchObject({
      status: 'ok',
      state: 'starting',
      revision: null,
      lastRefreshAt: null,
      lastRefreshTime: null,
    })
    // The function's init code asking for secrets gets a code and a hint, and starts no load.
    const early = await ext.get('/v1/secrets')
    expect(early.status).toBe(503)
    expect(early.json).toMatchObject({ code: 'snapstart_init' })
    expect(JSON.stringify(early.json)).toContain('read secrets in the handler')
    expect((await ext.get('/v1/secrets/app__API_KEY')).json).toMatchObject({ code: 'snapstart_init' })
    expect((await ext.get('/v1/keys')).json).toMatchObject({ code: 'snapstart_init' })
    expect(origin.stats.requests).toBe(0)
    await lambda.invoke({ timeoutMs: 3000 })
    expect(origin.stats.requests).toBe(1)
    expect(await ext.get('/v1/secrets')).toEqual({ status: 200, json: values })
    lambda.shutdown()
    expect(await ext.exited).toBe(0)
  })

  it('reports a fatal failure after INIT to exit/error', async () => {
    await using dir = await tempDir()
    await using lambda = await startFakeLambda()
    await using ext = await startExtension({
      runtimeApi: lambda.runtimeApi,
      // Under SnapStart the key file is first read on the first INVOKE, and it is not there.
      env: {
        ...basicEnv,
        CLEF_AGENT_AGE_KEY: '',
        CLEF_AGENT_AGE_KEY_FILE: dir.file('missing.agekey'),
        AWS_LAMBDA_INITIALIZATION_TYPE: 'snap-start',
      },
    })
    await lambda.initDone()
    await expect(lambda.invoke({ timeoutMs: 2000 })).rejects.toThrow(/Invoke phase/)
    expect((await lambda.nextError('exit')).errorType).toBe('Extension.ConfigInvalid')
    expect(await ext.exited).toBe(1)
  })
})
