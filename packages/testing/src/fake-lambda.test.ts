import { describe, expect, it } from 'vitest'
import { startFakeLambda, type FakeLambda } from './fake-lambda.ts'

const call = async (
  lambda: FakeLambda,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) => {
  const res = await fetch(`http://${lambda.runtimeApi}/2020-01-01/extension/${path}`, {
    method: init.method ?? 'GET',
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> }
}

const register = async (lambda: FakeLambda, name = 'clef-agent', events = ['INVOKE', 'SHUTDOWN']) => {
  const res = await call(lambda, 'register', {
    method: 'POST',
    headers: { 'Lambda-Extension-Name': name },
    body: { events },
  })
  return { ...res, id: res.headers.get('lambda-extension-identifier') ?? '' }
}

const next = (lambda: FakeLambda, id: string) =>
  call(lambda, 'event/next', { headers: { 'Lambda-Extension-Identifier': id } })

describe('startFakeLambda', () => {
  it('registers an extension: identifier header, function facts in the body', async () => {
    await using lambda = await startFakeLambda({ functionName: 'fn' })
    expect(lambda.runtimeApi).toMatch(/^127\.0\.0\.1:\d+$/)
    const reg = await register(lambda)
    expect(reg.status).toBe(200)
    expect(reg.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(reg.json).toEqual({ functionName: 'fn', functionVersion: '$LATEST', handler: 'index.handler' })
    expect(lambda.extensions).toMatchObject([{ name: 'clef-agent', events: ['INVOKE', 'SHUTDOWN'] }])
  })

  it('refuses a register without a name, with unknown events, or for a file that is not there', async () => {
    await using lambda = await startFakeLambda({ extensionNames: ['clef-agent'] })
    const noName = await call(lambda, 'register', { method: 'POST', body: { events: ['INVOKE'] } })
    expect([noName.status, typeof noName.json['errorType']]).toEqual([400, 'string'])
    expect((await register(lambda, 'clef-agent', ['INVOKE', 'RESTORE'])).status).toBe(400)
    expect((await register(lambda, 'other')).status).toBe(403)
    expect((await call(lambda, 'register')).status).toBe(405)
  })

  it('holds event/next until an INVOKE, and ends the Invoke phase on the next event/next', async () => {
    await using lambda = await startFakeLambda()
    const { id } = await register(lambda)
    const first = next(lambda, id)
    await lambda.initDone()
    expect(lambda.extensions[0]?.initDoneAt).toBeTypeOf('number')
    let invoked = false
    const invoke = lambda.invoke({ timeoutMs: 3000 }).then((e) => {
      invoked = true
      return e
    })
    const got = await first
    expect(got.status).toBe(200)
    expect(got.headers.get('lambda-extension-event-identifier')).toMatch(/^[0-9a-f-]{36}$/)
    expect(got.json['eventType']).toBe('INVOKE')
    expect(String(got.json['invokedFunctionArn'])).toContain(':function:')
    expect(got.json['deadlineMs']).toBeGreaterThan(Date.now())
    await new Promise((r) => setTimeout(r, 30))
    expect(invoked).toBe(false)
    const second = next(lambda, id)
    expect((await invoke).requestId).toBe(got.json['requestId'])
    lambda.shutdown({ deadlineInMs: 500 })
    expect((await second).json).toMatchObject({ eventType: 'SHUTDOWN', shutdownReason: 'spindown' })
    expect(lambda.extensions[0]?.delivered.map((e) => e.eventType)).toEqual(['INVOKE', 'SHUTDOWN'])
  })

  it('does not invoke before INIT is done, nor register after it', async () => {
    await using lambda = await startFakeLambda()
    const { id } = await register(lambda)
    await expect(lambda.invoke()).rejects.toThrow(/INIT/)
    void next(lambda, id).catch(() => undefined)
    await lambda.initDone()
    expect((await register(lambda, 'late')).status).toBe(403)
  })

  it('records init/error with its error type, answers 202, and refuses the extension afterwards', async () => {
    await using lambda = await startFakeLambda()
    const { id } = await register(lambda)
    const initFailed = expect(lambda.initDone()).rejects.toThrow(/Extension\.Integrity/)
    const missing = await call(lambda, 'init/error', {
      method: 'POST',
      headers: { 'Lambda-Extension-Identifier': id },
    })
    expect(missing.status).toBe(400)
    const res = await call(lambda, 'init/error', {
      method: 'POST',
      headers: {
        'Lambda-Extension-Identifier': id,
        'Lambda-Extension-Function-Error-Type': 'Extension.Integrity',
      },
      body: { errorMessage: 'bad hash', errorType: 'Extension.Integrity' },
    })
    expect([res.status, res.json]).toEqual([202, { status: 'OK' }])
    await initFailed
    expect(await lambda.nextError('init')).toMatchObject({
      extensionName: 'clef-agent',
      errorType: 'Extension.Integrity',
      body: { errorMessage: 'bad hash' },
    })
    expect((await next(lambda, id)).status).toBe(403)
  })

  it('takes exit/error after INIT and refuses unknown identifiers', async () => {
    await using lambda = await startFakeLambda()
    const { id } = await register(lambda)
    void next(lambda, id).catch(() => undefined)
    await lambda.initDone()
    const headers = {
      'Lambda-Extension-Identifier': id,
      'Lambda-Extension-Function-Error-Type': 'Extension.Crash',
    }
    expect((await call(lambda, 'init/error', { method: 'POST', headers })).status).toBe(403)
    expect((await call(lambda, 'exit/error', { method: 'POST', headers })).status).toBe(202)
    expect((await lambda.nextError('exit')).errorType).toBe('Extension.Crash')
    expect((await next(lambda, 'nope')).status).toBe(403)
  })
})
