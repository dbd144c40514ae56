import { execFileSync } from 'node:child_process'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { tempDir } from '@clef-sh/testing'
import { createDiskCache } from './disk-cache.ts'

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

describe('createDiskCache', () => {
  it('reads undefined when there is no file, even when the dir is missing', async () => {
    await using dir = await tempDir()
    expect(await createDiskCache({ path: dir.file('nope/artifact.json') }).read()).toBeUndefined()
  })

  it('writes with mode 0600 and creates the dir with mode 0700', async () => {
    await using dir = await tempDir()
    const path = dir.file('cache/sub/artifact.json')
    const cache = createDiskCache({ path })
    await cache.write('{"revision":"r1"}')
    expect(await readFile(path, 'utf8')).toBe('{"revision":"r1"}')
    expect(await modeOf(path)).toBe(0o600)
    expect(await modeOf(dir.file('cache/sub'))).toBe(0o700)
    expect(await modeOf(dir.file('cache'))).toBe(0o700)
    expect(await cache.read()).toBe('{"revision":"r1"}')
  })

  it('replaces an existing file and leaves no temp file behind', async () => {
    await using dir = await tempDir()
    const path = dir.file('artifact.json')
    await writeFile(path, 'old', { mode: 0o644 })
    const cache = createDiskCache({ path })
    await cache.write('new')
    expect(await cache.read()).toBe('new')
    // the file is a fresh inode created 0600, not the old 0644 one rewritten
    expect(await modeOf(path)).toBe(0o600)
    expect(await readdir(dir.path)).toEqual(['artifact.json'])
  })

  it('a concurrent reader never sees a partial file', async () => {
    await using dir = await tempDir()
    const path = dir.file('artifact.json')
    const cache = createDiskCache({ path })
    const versions = ['a', 'b', 'c', 'd'].map((ch) => ch.repeat(2 * 1024 * 1024))
    await cache.write(versions[0] ?? '')
    const run = { reading: true }
    const seen = new Set<number>()
    const reader = (async () => {
      while (run.reading) {
        const text = await readFile(path, 'utf8')
        const index = versions.indexOf(text)
        expect(index, `partial read of ${text.length} bytes`).toBeGreaterThanOrEqual(0)
        seen.add(index)
      }
    })()
    for (const v of versions.slice(1)) await cache.write(v)
    run.reading = false
    await reader
    expect(seen.size).toBeGreaterThanOrEqual(1)
    expect(await cache.read()).toBe(versions[3])
  })

  it('clear removes the file and tolerates a missing one', async () => {
    await using dir = await tempDir()
    const cache = createDiskCache({ path: dir.file('artifact.json') })
    await cache.write('x')
    await cache.clear()
    expect(await readdir(dir.path)).toEqual([])
    expect(await cache.read()).toBeUndefined()
    await expect(cache.clear()).resolves.toBeUndefined()
  })

  it('reports an unreadable path as internal, without hiding it as a missing file', async () => {
    await using dir = await tempDir()
    await mkdir(dir.file('is-a-dir'))
    const cache = createDiskCache({ path: dir.file('is-a-dir') })
    await expect(cache.read()).rejects.toMatchObject({ code: 'internal' })
    await expect(cache.write('x')).rejects.toMatchObject({ code: 'internal' })
  })

  it('refuses a FIFO at the cache path instead of blocking the start on it', async () => {
    await using dir = await tempDir()
    const path = dir.file('artifact.json')
    execFileSync('mkfifo', ['-m', '600', path])
    await expect(createDiskCache({ path }).read()).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('not a regular file') as string,
    })
  })

  it('refuses a file larger than the cap without reading it', async () => {
    await using dir = await tempDir()
    const path = dir.file('artifact.json')
    await writeFile(path, 'x'.repeat(2048))
    await expect(createDiskCache({ path, maxBytes: 1024 }).read()).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('2048 bytes exceed the 1024-byte cap') as string,
    })
    expect(await createDiskCache({ path, maxBytes: 2048 }).read()).toHaveLength(2048)
  })

  it('the first write removes temp files a crash left behind, and nothing else', async () => {
    await using dir = await tempDir()
    const path = dir.file('artifact.json')
    const keep = ['.artifact.json.hwm.0123456789ab.tmp', '.artifact.json.notes', 'other.tmp']
    const torn = ['.artifact.json.0123456789ab.tmp', '.artifact.json.ba9876543210.tmp']
    for (const name of [...keep, ...torn]) await writeFile(dir.file(name), 'half an artif')
    const cache = createDiskCache({ path })
    await cache.write('whole')
    expect((await readdir(dir.path)).sort()).toEqual(['artifact.json', ...keep].sort())
    expect(await cache.read()).toBe('whole')
  })
})
