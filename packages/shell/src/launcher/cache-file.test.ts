import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '@clef-sh/testing'
import { cacheDirOf, frameCache, readCacheFile, trustedDir } from './cache-file.ts'

const uid = process.geteuid?.() ?? 0

describe('cacheDirOf', () => {
  it('takes an absolute XDG_CACHE_HOME, else HOME/.cache, else none; NODE_DISABLE_COMPILE_CACHE turns it off', () => {
    expect(cacheDirOf({ XDG_CACHE_HOME: '/x/cache', HOME: '/h' })).toBe('/x/cache/clef-agent')
    expect(cacheDirOf({ XDG_CACHE_HOME: 'relative', HOME: '/h' })).toBe('/h/.cache/clef-agent')
    expect(cacheDirOf({ HOME: 'relative' })).toBeUndefined()
    expect(cacheDirOf({})).toBeUndefined()
    expect(cacheDirOf({ HOME: '/h', NODE_DISABLE_COMPILE_CACHE: '1' })).toBeUndefined()
  })
})

describe('trustedDir', () => {
  it('checks the real path of a link: a link to a directory others can write is refused', async () => {
    await using dir = await tempDir()
    await mkdir(dir.file('open'), { mode: 0o700 })
    await chmod(dir.file('open'), 0o777)
    await symlink(dir.file('open'), dir.file('link'))
    const result = trustedDir(dir.file('link'), uid)
    expect(result).toEqual({
      why: `${dir.file('open')} has mode 0777; other users can write to it (expected 0700 or 0755)`,
    })
  })

  it('passes a private directory under the sticky temp dir and says missing for none', async () => {
    await using dir = await tempDir()
    expect(trustedDir(dir.path, uid)).toEqual({ path: dir.path })
    expect(trustedDir(dir.file('nope'), uid)).toEqual({ why: 'missing' })
  })
})

describe('readCacheFile', () => {
  it('reads an intact frame, calls a torn one corrupt and refuses a link or a file others can write', async () => {
    await using dir = await tempDir()
    const data = Buffer.from('v8 data')
    await writeFile(dir.file('a.v8cache'), frameCache(data), { mode: 0o600 })
    expect(readCacheFile(dir.file('a.v8cache'), uid)).toEqual({ state: 'found', data })
    await writeFile(dir.file('torn.v8cache'), frameCache(data).subarray(0, 40), { mode: 0o600 })
    expect(readCacheFile(dir.file('torn.v8cache'), uid)).toEqual({ state: 'corrupt' })
    expect(readCacheFile(dir.file('none.v8cache'), uid)).toEqual({ state: 'none' })
    await symlink(dir.file('a.v8cache'), dir.file('link.v8cache'))
    expect(readCacheFile(dir.file('link.v8cache'), uid).state).toBe('untrusted')
    await chmod(dir.file('a.v8cache'), 0o622)
    expect(readCacheFile(join(dir.path, 'a.v8cache'), uid)).toMatchObject({
      state: 'untrusted',
      why: expect.stringContaining('has mode 0622'),
    })
  })
})
