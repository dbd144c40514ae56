// The node bundle copied without its vendor/ folder: a source whose client lives there stops the
// agent at start with exit 1 naming the missing file, not a `source_unreachable` outage retried
// forever (issue 17 item 3). So does a KMS artifact, whose client is needed only once the artifact
// arrives: the bundle checks its side files before it loads anything.
import { execFile, spawn } from 'node:child_process'
import { copyFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { freePort, startFakeKms, startFakeLambda, tempDir, vector, vectorPath } from '@clef-sh/testing'

const BUNDLE = fileURLToPath(new URL('../dist/clef-agent.cjs', import.meta.url))

describe('the node bundle without its vendor folder', () => {
  it('exits 1 naming the missing vendor file for an S3 source', async () => {
    await using dir = await tempDir()
    await copyFile(BUNDLE, dir.file('clef-agent.cjs'))
    const result = await promisify(execFile)(process.execPath, [dir.file('clef-agent.cjs')], {
      env: {
        PATH: process.env['PATH'],
        CLEF_AGENT_SOURCE: 's3://my-bucket/api/production.age.json',
        CLEF_AGENT_AGE_KEY: vector('age-basic').ageKey ?? '',
        CLEF_AGENT_TOKEN_FILE: dir.file('run/token'),
        CLEF_AGENT_PORT: String(await freePort()),
        AWS_REGION: 'us-east-1',
      },
      timeout: 15_000,
    }).then(
      () => ({ code: 0, out: '' }),
      (e: unknown) => e as { code: number; stdout: string; stderr: string },
    )
    expect(result.code).toBe(1)
    const out = `${'stdout' in result ? result.stdout : ''}${'stderr' in result ? result.stderr : ''}`
    expect(out).toContain('missing bundled file ./vendor/aws-s3.cjs')
    expect(out).not.toContain('source_unreachable')
  })

  it.each([
    ['run', []],
    ['exec', ['exec', '--', process.execPath, '-e', '']],
  ])('%s: exits 1 naming the missing KMS client for a KMS artifact, never kms_unwrap', async (_, args) => {
    await using dir = await tempDir()
    await using kms = await startFakeKms()
    await copyFile(BUNDLE, dir.file('clef-agent.cjs'))
    const result = await promisify(execFile)(process.execPath, [dir.file('clef-agent.cjs'), ...args], {
      env: {
        PATH: process.env['PATH'],
        ...kms.env,
        CLEF_AGENT_SOURCE: vectorPath(vector('kms-aws-envelope')),
        CLEF_AGENT_TOKEN_FILE: dir.file('run/token'),
        CLEF_AGENT_PORT: String(await freePort()),
      },
      timeout: 15_000,
    }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (e: unknown) => e as { code: number; stdout: string; stderr: string },
    )
    expect(result.code).toBe(1)
    const lines = `${result.stdout}${result.stderr}`.trim().split('\n')
    expect(lines).toHaveLength(1)
    const line = JSON.parse(lines[0] ?? '') as { code: string; msg: string; hint: string }
    expect(line.code).toBe('config_invalid')
    expect(line.msg).toContain('missing bundled file ./vendor/aws-kms.cjs')
    expect(line.msg).toContain(`beside ${dir.file('clef-agent.cjs')}`)
    expect(line.hint).toContain('copy the vendor/ folder with clef-agent.cjs')
    expect(kms.stats.requests).toBe(0)
  })

  it('as the Lambda extension (the Node.js layer), reports an init error naming the missing files', async () => {
    await using dir = await tempDir()
    await using lambda = await startFakeLambda()
    await copyFile(BUNDLE, dir.file('clef-agent.cjs'))
    const ext = spawn(process.execPath, [dir.file('clef-agent.cjs')], {
      env: {
        PATH: process.env['PATH'],
        AWS_LAMBDA_RUNTIME_API: lambda.runtimeApi,
        CLEF_AGENT_SOURCE: vectorPath(vector('kms-aws-envelope')),
        CLEF_AGENT_TOKEN: 'test-token-0123456789abcdef',
        CLEF_AGENT_PORT: String(await freePort()),
      },
      stdio: 'ignore',
    })
    const exited = new Promise<number | null>((resolve) => ext.once('exit', resolve))
    try {
      const report = await lambda.nextError('init')
      expect(JSON.stringify(report.body)).toContain('missing bundled file ./vendor/aws-kms.cjs')
      expect(await exited).toBe(1)
    } finally {
      ext.kill('SIGKILL')
    }
  })
})
