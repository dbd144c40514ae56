// Test-only: the public packages as npm users get them (built, then `pnpm pack` with publishConfig
// applied) and an npm install of tarballs, shared by the publish and lean-install tests.
import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  maxBuffer?: number
}

/** `execFile`, promised, with stdout and stderr as text; rejects when the command fails. */
export const run = (
  file: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<{ stdout: string; stderr: string }> => execFileAsync(file, args, { ...opts, encoding: 'utf8' })
export const ROOT: string = resolve(import.meta.dirname, '../..')
/** The folders under packages/ that are published. */
export const PUBLIC: readonly string[] = [
  'errors',
  'artifact-format',
  'decrypt',
  'sources',
  'cache',
  'http-api',
  'agent-core',
  'telemetry',
]

const inPackage = (name: string, file: string, args: string[]) =>
  run(file, args, { cwd: join(ROOT, 'packages', name), maxBuffer: 16 << 20 })

/** `fn` over `items`, three at a time: two cores are shared, so not all at once. */
export const limited = async <T>(
  items: readonly string[],
  fn: (item: string) => Promise<T>,
): Promise<T[]> => {
  const results: T[] = []
  for (let i = 0; i < items.length; i += 3)
    results.push(...(await Promise.all(items.slice(i, i + 3).map(fn))))
  return results
}

/** Builds and packs every public package into `dest`; resolves the tarball paths. */
export const packPublic = async (dest: string): Promise<string[]> => {
  await limited(PUBLIC, (name) => inPackage(name, 'node', [join(ROOT, 'scripts/build-package.mjs')]))
  await limited(PUBLIC, (name) => inPackage(name, 'pnpm', ['pack', '--pack-destination', dest]))
  return (await readdir(dest)).map((file) => join(dest, file))
}

/** `npm install specs` in `dir`: offline first (the npm cache), the registry only when it misses. */
export const npmInstall = async (dir: string, specs: readonly string[]): Promise<void> => {
  const flags = ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error']
  try {
    await run('npm', [...flags, '--offline', ...specs], { cwd: dir })
  } catch {
    await run('npm', [...flags, '--prefer-offline', ...specs], { cwd: dir })
  }
}
