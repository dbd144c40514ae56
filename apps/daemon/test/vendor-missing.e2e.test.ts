// The node bundle copied without its vendor/ folder: a source whose client lives there stops the
// agent at start with exit 1 naming the missing file, not a `source_unreachable` outage retried
// forever (issue 17 item 3).
import { execFile } from 'node:child_process'
import { copyFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { freePort, tempDir, vector } from '@clef-sh/testing'

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
})
