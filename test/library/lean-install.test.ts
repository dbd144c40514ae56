// A lean library install: the heavy clients (AWS S3 and KMS, Octokit, GitBeaker) are optional
// peer dependencies, so embedding @clef-sh/agent-core with a file or HTTP source installs none of
// them, and a source whose client is missing fails at start with what to install. The packages
// are packed with `pnpm pack` and installed by npm into temp folders, as a user would.
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ROOT, npmInstall, packPublic, run } from './packed.ts'

const HEAVY = ['@aws-sdk/client-s3', '@aws-sdk/client-kms', '@octokit/rest', '@gitbeaker/rest']
const DEMO = {
  artifact: join(ROOT, 'examples/demo/artifact.json'),
  key: join(ROOT, 'examples/demo/demo.agekey'),
}

let work = ''
let tarballs: string[] = []

/** An empty ESM project in `dir` with `specs` installed by npm. */
const installInto = async (dir: string, specs: string[]): Promise<void> => {
  await writeFile(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n')
  await npmInstall(dir, specs)
}

/** Installed packages (every directory with a package.json under node_modules, nested included) and bytes. */
const measure = async (dir: string): Promise<{ packages: number; bytes: number }> => {
  let packages = 0
  let bytes = 0
  const walk = async (path: string, inModules: boolean): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) {
        const isPackage = inModules && !entry.name.startsWith('@') && !entry.name.startsWith('.')
        if (isPackage) packages++
        await walk(full, entry.name === 'node_modules' || (inModules && entry.name.startsWith('@')))
      } else if (entry.isFile()) bytes += (await stat(full)).size
    }
  }
  await walk(join(dir, 'node_modules'), true)
  return { packages, bytes }
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1)

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'clef-lean-'))
  tarballs = await packPublic(join(work, 'tarballs'))
}, 300_000)

afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true })
})

it('installs agent-core without the heavy clients, loads a file source, and names the missing client of an S3 source at start', async () => {
  const lean = await mkdtemp(join(work, 'lean-'))
  await installInto(lean, tarballs)
  const modules = await readdir(join(lean, 'node_modules'))
  expect(modules).not.toContain('@aws-sdk')
  expect(modules).not.toContain('@octokit')
  expect(modules).not.toContain('@gitbeaker')

  await writeFile(
    join(lean, 'check.mjs'),
    `import { createAgent, loadSecrets } from '@clef-sh/agent-core'
const [artifact, ageKeyFile] = process.argv.slice(2)
const secrets = await loadSecrets({ source: artifact, ageKeyFile })
const agent = createAgent({ source: 's3://artifacts/app.json', ageKeyFile })
const refused = await agent.start().then(() => 'started', (e) => ({ code: e.code, message: e.message, hint: e.hint }))
await agent.stop()
console.log(JSON.stringify({ names: Object.keys(secrets.app ?? {}).length, refused }))
`,
  )
  const { stdout } = await run('node', ['check.mjs', DEMO.artifact, DEMO.key], {
    cwd: lean,
    env: { ...process.env, AWS_REGION: 'us-east-1' },
  })
  expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual({
    names: 3,
    refused: {
      code: 'config_invalid',
      message: 'install @aws-sdk/client-s3 to use the s3 source',
      hint: 'it is an optional peer dependency of @clef-sh/sources: npm install @aws-sdk/client-s3',
    },
  })

  // The same install with every client, as before they became optional peers.
  const full = await mkdtemp(join(work, 'full-'))
  await installInto(full, [...tarballs, ...HEAVY])
  const [leanSize, fullSize] = await Promise.all([measure(lean), measure(full)])
  console.info(
    `library install: ${leanSize.packages} packages, ${mb(leanSize.bytes)} MB lean; ` +
      `${fullSize.packages} packages, ${mb(fullSize.bytes)} MB with every client`,
  )
  expect(leanSize.packages).toBeLessThan(fullSize.packages / 3)
  expect(leanSize.bytes).toBeLessThan(fullSize.bytes / 3)
}, 600_000)
