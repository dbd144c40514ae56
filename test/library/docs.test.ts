// `pnpm api-docs` builds the API reference from the TSDoc
// with typedoc's warnings as errors, `notDocumented` among them: an exported symbol without a
// comment, or a broken {@link}, fails this test.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')

it('pnpm api-docs builds the API reference without a warning', async () => {
  const { stdout, stderr } = await promisify(execFile)('pnpm', ['api-docs'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    maxBuffer: 16 << 20,
  })
  const output = `${stdout}\n${stderr}`
  expect(output).toContain('typedoc --treatWarningsAsErrors')
  expect(output).toMatch(/html generated at \.\/docs\/api/)
  expect(output).not.toMatch(/\[warning\]|\[error\]/)
  for (const page of ['index.html', 'functions/_clef-sh_agent-core.createAgent.html'])
    expect(existsSync(join(ROOT, 'docs/api', page)), page).toBe(true)
})
