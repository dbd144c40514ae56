// agent-core sits below the HTTP layer: a `loadSecrets` user must not install or load
// @clef-sh/http-api (or Hono). The agent exposes values, revision and state (`agent.serving`);
// http-api turns them into bodies. Only tests and their glue may import the API, to serve an agent.
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const PACKAGE = join(import.meta.dirname, '..')
const HTTP_LAYER =
  /from\s+['"](@clef-sh\/http-api|hono|@hono\/[^'"]+)['"]|import\(\s*['"](@clef-sh\/http-api|hono)/

const isTestCode = (path: string): boolean => path.endsWith('.test.ts') || path.endsWith('test-support.ts')

const sourceFiles = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !isTestCode(path))
}

describe('agent-core does not depend on the HTTP layer', () => {
  it('names @clef-sh/http-api in no runtime or peer dependency of its package.json', async () => {
    const pkg = JSON.parse(await readFile(join(PACKAGE, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      expect(Object.keys(pkg[field] ?? {}), field).not.toContain('@clef-sh/http-api')
    }
  })

  it('imports neither @clef-sh/http-api nor Hono from any source file, not even a type', async () => {
    const files = await sourceFiles(join(PACKAGE, 'src'))
    expect(files.length).toBeGreaterThan(20)
    const offenders: string[] = []
    for (const file of files) {
      if (HTTP_LAYER.test(await readFile(file, 'utf8'))) offenders.push(relative(PACKAGE, file))
    }
    expect(offenders).toEqual([])
  })
})
