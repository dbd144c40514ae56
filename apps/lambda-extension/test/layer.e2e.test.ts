// `pnpm --filter lambda-extension package`: the layer zip builds with Node alone, holds the
// launcher Lambda starts (extensions/clef-agent) and the self-contained binary, and the launcher,
// extracted as Lambda extracts a layer to /opt, runs the extension against the fake Lambda API.
import { execFile } from 'node:child_process'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { startFakeLambda, tempDir, vector, vectorPath, type TempDir } from '@clef-sh/testing'
import { startExtension } from './harness.ts'
import { readZip, type ZipEntry } from './unzip.ts'

const BUILD = fileURLToPath(new URL('../build.mjs', import.meta.url))
const LAYER = fileURLToPath(new URL('../dist/clef-agent-layer.zip', import.meta.url))
const basic = vector('age-basic')
let entries: ZipEntry[] = []

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [BUILD, '--layer'])
  entries = readZip(await readFile(LAYER))
}, 90_000)

/** Extracts the layer into `dir` (as Lambda does into /opt), keeping the Unix modes. */
const extract = async (dir: TempDir): Promise<void> => {
  for (const e of entries) {
    const path = join(dir.path, e.name)
    if (e.name.endsWith('/')) {
      await mkdir(path, { recursive: true })
      continue
    }
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, e.data)
    await chmod(path, e.mode & 0o777)
  }
}

describe('the Lambda layer', () => {
  it('holds an executable launcher in extensions/ and the self-contained binary', () => {
    const byName = new Map(entries.map((e) => [e.name, e]))
    expect([...byName.keys()].sort()).toEqual([
      'clef-agent/',
      'clef-agent/clef-agent-lambda',
      'extensions/',
      'extensions/clef-agent',
    ])
    const launcher = byName.get('extensions/clef-agent')
    expect(launcher?.mode).toBe(0o100755)
    expect(launcher?.data.toString()).toMatch(/^#!\/bin\/sh\n/)
    const binary = byName.get('clef-agent/clef-agent-lambda')
    expect(binary?.mode).toBe(0o100755)
    // An ELF executable (Node with the extension injected), not a script needing a runtime.
    expect(binary?.data.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
    expect(binary?.data.includes('NODE_SEA_BLOB')).toBe(true)
  })

  it("starts the bundled binary through the launcher, registered under the launcher's name", async () => {
    await using opt = await tempDir()
    await extract(opt)
    await using lambda = await startFakeLambda({ extensionNames: ['clef-agent'] })
    await using ext = await startExtension({
      runtimeApi: lambda.runtimeApi,
      command: join(opt.path, 'extensions/clef-agent'),
      args: [],
      // No node on PATH: the layer must work with any function runtime.
      env: {
        PATH: '/usr/bin:/bin',
        CLEF_AGENT_SOURCE: vectorPath(basic),
        CLEF_AGENT_AGE_KEY: basic.ageKey ?? '',
      },
    })
    await lambda.initDone()
    expect(lambda.extensions.map((e) => e.name)).toEqual(['clef-agent'])
    expect(await ext.get('/v1/secrets')).toEqual({
      status: 200,
      json: basic.expect.ok ? basic.expect.values : null,
    })
    await lambda.invoke({ timeoutMs: 3000 })
    lambda.shutdown()
    expect(await ext.exited).toBe(0)
  })
})
