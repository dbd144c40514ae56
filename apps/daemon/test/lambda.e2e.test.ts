// One binary for every form: the daemon's own entry, started by Lambda (AWS_LAMBDA_RUNTIME_API
// set), runs as the Lambda extension against the fake Extensions API: it registers under its file
// name, loads during INIT, serves the function, and stops on SHUTDOWN.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { startFakeLambda, tempDir, vector } from '@clef-sh/testing'
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

  it('exits within the SHUTDOWN deadline while file reads hang in the threadpool (a hung mount)', async () => {
    await using dir = await tempDir()
    // Three of the four threadpool threads block opening a FIFO nobody writes to, as file system
    // calls on a hung network mount do; the fourth serves the load. node's exit would wait for the
    // three. (fs.open, as the agent's own file access: Node 26 does not list a path-based
    // fs.readFile among the active resources exit.ts checks.)
    const fifo = dir.file('hung-mount')
    execFileSync('mkfifo', [fifo])
    const preload = dir.file('hang-threadpool.cjs')
    writeFileSync(
      preload,
      `for (let i = 0; i < 3; i++) require('node:fs').open(${JSON.stringify(fifo)}, () => {})\n`,
    )
    await using lambda = await startFakeLambda({ extensionNames: ['clef-agent.cjs'] })
    await using ext = await startAsExtension(lambda.runtimeApi, undefined, {
      UV_THREADPOOL_SIZE: '4',
      NODE_OPTIONS: `--require ${preload}`,
    })
    await lambda.initDone()
    expect(await ext.secrets()).toEqual(values)
    const started = Date.now()
    lambda.shutdown({ deadlineInMs: 1500 })
    // Ended by SIGTERM (no exit code) instead of waiting on the stuck reads.
    const stillRunning = new Promise((resolve) => {
      setTimeout(() => {
        resolve('still running')
      }, 3000).unref()
    })
    expect(await Promise.race([ext.exited, stillRunning])).toBeNull()
    expect(Date.now() - started).toBeLessThan(1500 + 1000)
    expect(lambda.errors).toEqual([])
  })
})
