// `clef-agent demo` from any copy (issue 17 item 3): the demo artifact and its test-only key are
// embedded, so the node bundle copied alone to an empty directory, and the npm package's files
// (apps/agent/dist) copied elsewhere, serve the demo secrets with nothing else beside them. The
// single executable is checked the same way in sea.e2e.test.ts.
import { cp, copyFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { tempDir } from '@clef-sh/testing'
import { DEMO_SECRETS, runDemo } from './demo-run.ts'
import { BUNDLE } from './harness.ts'

const NPM_PACKAGE = fileURLToPath(new URL('../../agent/dist/', import.meta.url))

/** The temporary artifact the demo logged as its source (a file: source). */
const demoSourceOf = (output: string): string => /source=file:(\S+)/.exec(output)?.[1] ?? ''

describe('clef-agent demo from a copy', () => {
  it('serves the demo secrets from the node bundle copied alone to an empty directory', async () => {
    await using dir = await tempDir()
    await copyFile(BUNDLE, dir.file('clef-agent.cjs'))
    const run = await runDemo(dir.path, process.execPath, [dir.file('clef-agent.cjs')])
    expect([run.status, run.secrets, run.code]).toEqual([200, DEMO_SECRETS, 0])
    // The embedded artifact went to a private temporary file, removed at exit.
    expect(demoSourceOf(run.output)).toMatch(/clef-agent-demo-/)
    expect(existsSync(demoSourceOf(run.output))).toBe(false)
    expect(run.output).not.toContain('AGE-SECRET-KEY-')
  })

  it('serves the demo secrets from the npm package (@clef-sh/agent) copied elsewhere', async () => {
    await using dir = await tempDir()
    await cp(NPM_PACKAGE, dir.file('dist'), { recursive: true })
    const run = await runDemo(dir.path, process.execPath, [dir.file('dist/clef-agent.cjs')])
    expect([run.status, run.secrets, run.code]).toEqual([200, DEMO_SECRETS, 0])
  })
})
