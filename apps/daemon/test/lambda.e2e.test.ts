// One binary for every form: the daemon's own entry, started by Lambda (AWS_LAMBDA_RUNTIME_API
// set), runs as the Lambda extension against the fake Extensions API: it registers under its file
// name, loads during INIT, serves the function, and stops on SHUTDOWN.
import { describe, expect, it } from 'vitest'
import { startFakeLambda, vector } from '@clef-sh/testing'
import { startAsExtension } from './harness.ts'

const basic = vector('age-basic')
const values = basic.expect.ok ? basic.expect.values : {}

describe('the daemon entry under Lambda', () => {
  it('runs as the extension: registers, loads during INIT, serves, exits 0 on SHUTDOWN', async () => {
    await using lambda = await startFakeLambda({ extensionNames: ['clef-agent.cjs'] })
    await using ext = await startAsExtension(lambda.runtimeApi)
    await lambda.initDone()
    expect(lambda.extensions).toMatchObject([{ name: 'clef-agent.cjs', events: ['INVOKE', 'SHUTDOWN'] }])
    expect(await ext.secrets()).toEqual(values)
    await lambda.invoke({ timeoutMs: 3000 })
    lambda.shutdown({ deadlineInMs: 1500 })
    expect(await ext.exited).toBe(0)
    expect(lambda.errors).toEqual([])
    expect(ext.output()).not.toContain(basic.ageKey ?? 'no key')
  })
})
