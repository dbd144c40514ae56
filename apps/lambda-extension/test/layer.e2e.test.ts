// `pnpm --filter lambda-extension package`: the layer zips build with Node alone. The executable
// layer holds the launcher Lambda starts (extensions/clef-agent) and the self-contained binary of
// this machine's architecture (checked); the Node layer holds the bundle, its vendor files and a
// launcher running them on the function's Node. Each launcher, extracted as Lambda extracts a layer
// to /opt, runs the extension against the fake Lambda API; the sizes are measured and reported.
import { execFile } from 'node:child_process'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { startFakeLambda, tempDir, vector, vectorPath, type TempDir } from '@clef-sh/testing'
import { checkElfArch, layerArch } from '../layer-arch.mjs'
import { startExtension } from './harness.ts'
import { readZip, type ZipEntry } from './unzip.ts'

const BUILD = fileURLToPath(new URL('../build.mjs', import.meta.url))
const dist = (name: string): string => fileURLToPath(new URL(`../dist/${name}`, import.meta.url))
const LAYER = dist('clef-agent-layer.zip')
const NODE_LAYER = dist('clef-agent-node-layer.zip')
const basic = vector('age-basic')
const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'x86_64'
const OTHER_ARCH = HOST_ARCH === 'arm64' ? 'x86_64' : 'arm64'
let entries: ZipEntry[] = []
let nodeEntries: ZipEntry[] = []
let buildOutput = ''

beforeAll(async () => {
  buildOutput = (await promisify(execFile)(process.execPath, [BUILD, '--layer'])).stdout
  entries = readZip(await readFile(LAYER))
  nodeEntries = readZip(await readFile(NODE_LAYER))
}, 120_000)

/** Extracts a layer's `entries` into `dir` (as Lambda does into /opt), keeping the Unix modes. */
const extract = async (dir: TempDir, layer: ZipEntry[] = entries): Promise<void> => {
  for (const e of layer) {
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

  it("is built for this machine's architecture only: another --arch is refused, the ELF header is checked", async () => {
    const binary = entries.find((e) => e.name === 'clef-agent/clef-agent-lambda')?.data ?? Buffer.alloc(0)
    expect(() => {
      checkElfArch(binary, HOST_ARCH)
    }).not.toThrow()
    expect(() => {
      checkElfArch(binary, OTHER_ARCH)
    }).toThrow(`not an ${OTHER_ARCH} ELF executable`)
    expect(layerArch(undefined, 'arm64')).toBe('arm64')
    expect(layerArch('x86_64', 'x64')).toBe('x86_64')
    expect(() => layerArch('x86_64', 'arm64')).toThrow('this machine is arm64')
    expect(() => layerArch('amd64', 'x64')).toThrow('expected x86_64 or arm64')
    const refused = await promisify(execFile)(process.execPath, [
      BUILD,
      '--layer',
      '--arch',
      OTHER_ARCH,
    ]).then(
      () => '',
      (e: unknown) => String((e as { stderr?: string }).stderr),
    )
    expect(refused).toContain(`--arch ${OTHER_ARCH}: this machine is ${HOST_ARCH}`)
  })

  it("reports both layers' zipped and unzipped sizes, measured from the zips", async () => {
    const report = JSON.parse(await readFile(dist('layers.json'), 'utf8')) as Record<
      string,
      { architecture: string; zipped: number; unzipped: number }
    >
    const unzipped = (layer: ZipEntry[]): number => layer.reduce((sum, e) => sum + e.data.length, 0)
    expect(report['clef-agent-layer.zip']).toEqual({
      architecture: HOST_ARCH,
      zipped: (await stat(LAYER)).size,
      unzipped: unzipped(entries),
    })
    expect(report['clef-agent-node-layer.zip']).toEqual({
      architecture: 'any',
      zipped: (await stat(NODE_LAYER)).size,
      unzipped: unzipped(nodeEntries),
    })
    // Well inside Lambda's 250 MB unzipped limit; the Node variant is a small fraction of it.
    expect(unzipped(entries)).toBeLessThan(250e6)
    expect(unzipped(nodeEntries)).toBeLessThan(10e6)
    expect(buildOutput).toMatch(
      /clef-agent-layer\.zip \((x86_64|arm64)\): [\d.]+ MB zipped, [\d.]+ MB unzipped/,
    )
    expect(buildOutput).toMatch(/clef-agent-node-layer\.zip \(any\): [\d.]+ MB zipped, [\d.]+ MB unzipped/)
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

describe('the Node.js layer', () => {
  it('holds the launcher, the bundle and its vendor files, and no executable', () => {
    const names = nodeEntries.map((e) => e.name)
    expect(names.filter((n) => !n.startsWith('clef-agent/vendor/'))).toEqual([
      'clef-agent/',
      'extensions/',
      'extensions/clef-agent',
      'clef-agent/clef-agent-lambda.cjs',
    ])
    expect(names).toContain('clef-agent/vendor/')
    expect(names).toContain('clef-agent/vendor/aws-s3.cjs')
    expect(names).toContain('clef-agent/vendor/aws-kms.cjs')
    const launcher = nodeEntries.find((e) => e.name === 'extensions/clef-agent')
    expect(launcher?.mode).toBe(0o100755)
    expect(launcher?.data.toString()).toMatch(/^#!\/bin\/sh\n/)
    expect(nodeEntries.some((e) => e.data.subarray(0, 4).toString('latin1') === '\x7fELF')).toBe(false)
  })

  it("runs the bundle on the function's node through the launcher, registered under the launcher's name", async () => {
    await using opt = await tempDir()
    await extract(opt, nodeEntries)
    await using lambda = await startFakeLambda({ extensionNames: ['clef-agent'] })
    await using ext = await startExtension({
      runtimeApi: lambda.runtimeApi,
      command: join(opt.path, 'extensions/clef-agent'),
      args: [],
      // The function's Node is the only node on PATH, as in Lambda's Node.js runtimes.
      env: {
        PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
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
