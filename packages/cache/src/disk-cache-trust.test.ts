// The disk cache (and the rollback marks kept through it) under the trusted-file rule: a file
// another user owns or could swap is never read back. The suite runs as root, so it can chown.
import { chmod, chown, mkdir, symlink, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { tempDir } from '@clef-sh/testing'
import { createDiskCache } from './disk-cache.ts'

const OTHER = 1234

describe('createDiskCache: trusted files only', () => {
  it('reads a file of this user', async () => {
    await using dir = await tempDir()
    await writeFile(dir.file('a.json'), 'cached', { mode: 0o600 })
    expect(await createDiskCache({ path: dir.file('a.json') }).read()).toBe('cached')
  })

  it('refuses a cache file another user owns, saying whose it is', async () => {
    await using dir = await tempDir()
    await writeFile(dir.file('a.json'), 'planted', { mode: 0o600 })
    await chown(dir.file('a.json'), OTHER, OTHER)
    await expect(createDiskCache({ path: dir.file('a.json') }).read()).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining(`is owned by uid ${OTHER}`) as string,
    })
  })

  it('refuses a cache file that others can write, or one in a directory another user owns', async () => {
    await using dir = await tempDir()
    await writeFile(dir.file('a.json'), 'cached')
    await chmod(dir.file('a.json'), 0o666)
    await expect(createDiskCache({ path: dir.file('a.json') }).read()).rejects.toMatchObject({
      message: expect.stringContaining('other users can write to it') as string,
    })
    await mkdir(dir.file('theirs'))
    await writeFile(dir.file('theirs/a.json'), 'cached', { mode: 0o600 })
    await chown(dir.file('theirs'), OTHER, OTHER)
    await expect(createDiskCache({ path: dir.file('theirs/a.json') }).read()).rejects.toMatchObject({
      message: expect.stringContaining(`directory ${dir.file('theirs')} is owned by uid ${OTHER}`) as string,
    })
  })

  it('follows a link only into trusted directories', async () => {
    await using dir = await tempDir()
    await mkdir(dir.file('theirs'))
    await writeFile(dir.file('theirs/a.json'), 'planted', { mode: 0o600 })
    await chown(dir.file('theirs'), OTHER, OTHER)
    await symlink(dir.file('theirs/a.json'), dir.file('a.json'))
    await expect(createDiskCache({ path: dir.file('a.json') }).read()).rejects.toMatchObject({
      message: expect.stringContaining(`is owned by uid ${OTHER}`) as string,
    })
  })
})
