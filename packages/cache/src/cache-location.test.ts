import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogRecorder, tempDir } from '@clef-sh/testing'
import { createCacheLocation, isPathSegment } from './cache-location.ts'

/** Leaves `<dir>/<identity>/<environment>.age.json` holding `text`, as Clef's agent would. */
const place = async (
  dir: string,
  lineage: { identity: string; environment: string },
  text: string,
): Promise<void> => {
  await mkdir(join(dir, lineage.identity), { recursive: true, mode: 0o700 })
  await writeFile(join(dir, lineage.identity, `${lineage.environment}.age.json`), text, { mode: 0o600 })
}

describe('createCacheLocation', () => {
  it('a file path keeps the file form: marks at <path>.hwm, the parent created at prepare', async () => {
    await using tmp = await tempDir()
    const path = tmp.file('sub/artifact.json')
    const location = createCacheLocation({ path })
    await location.prepare()
    expect(location.marksPath()).toBe(`${path}.hwm`)
    expect(await readdir(tmp.file('sub'))).toEqual([])
    await location.cache.write('{"revision":"r1"}', { identity: 'api', environment: 'prod' })
    expect(await readFile(path, 'utf8')).toBe('{"revision":"r1"}')
  })

  it('several cache files and no pin: none is read, and a warning says so', async () => {
    await using tmp = await tempDir()
    await place(tmp.path, { identity: 'api', environment: 'prod' }, 'a')
    await place(tmp.path, { identity: 'api', environment: 'staging' }, 'b')
    const logger = createLogRecorder()
    const location = createCacheLocation({ path: tmp.path, logger })
    await location.prepare()
    expect(await location.cache.read()).toBeUndefined()
    expect(logger.lines.map((l) => l.msg)).toContain(
      'several disk cache files and no pinned lineage: none is read at start',
    )
    expect(location.marksPath()).toBe(join(tmp.path, '.clef-agent.hwm'))
  })

  it('a partial pin narrows the search to the one matching file', async () => {
    await using tmp = await tempDir()
    await place(tmp.path, { identity: 'api', environment: 'prod' }, 'a')
    await place(tmp.path, { identity: 'web', environment: 'prod' }, 'b')
    const location = createCacheLocation({ path: `${tmp.path}/`, lineage: { identity: 'web' } })
    await location.prepare()
    expect(await location.cache.read()).toBe('b')
  })

  it('refuses to write an artifact whose names are not one path segment', async () => {
    await using tmp = await tempDir()
    const location = createCacheLocation({ path: tmp.file('cache/') })
    await location.prepare()
    for (const lineage of [
      { identity: '..', environment: 'prod' },
      { identity: 'api', environment: '../../escape' },
      { identity: 'a\\b', environment: 'prod' },
      { identity: 'api', environment: 'pr\nod' },
    ]) {
      await expect(location.cache.write('x', lineage)).rejects.toMatchObject({ code: 'internal' })
    }
    expect(await readdir(tmp.file('cache'))).toEqual([])
    expect(await readdir(tmp.path)).toEqual(['cache'])
  })

  it('isPathSegment takes one name and nothing else', () => {
    expect(['api', 'prod-eu', 'a.b'].every(isPathSegment)).toBe(true)
    expect(['', '.', '..', 'a/b', 'a\\b', 'a\u0000b', 'x'.repeat(257)].some(isPathSegment)).toBe(false)
  })
})
