import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { tempDir } from '@clef-sh/testing'
import { resolveToken } from './token.ts'

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

describe('resolveToken', () => {
  it('prefers the token from the environment and touches no file', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('run/token')
    expect(await resolveToken({ token: 'from-env', tokenFile })).toEqual({ token: 'from-env', origin: 'env' })
    expect(await readdir(dir.path)).toEqual([])
  })

  it('reads a non-empty token file, trimmed', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    await writeFile(tokenFile, '  file-token\n')
    expect(await resolveToken({ tokenFile })).toEqual({
      token: 'file-token',
      origin: 'file',
      path: tokenFile,
    })
  })

  it('generates 32 random bytes, writes them 0600 in a 0700 dir, and reuses them next time', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('clef-agent/token')
    const first = await resolveToken({ tokenFile })
    expect(first.origin).toBe('generated')
    expect(first.path).toBe(tokenFile)
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(first.token, 'base64url')).toHaveLength(32)
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(first.token)
    expect(await modeOf(tokenFile)).toBe(0o600)
    expect(await modeOf(dir.file('clef-agent'))).toBe(0o700)
    expect(await readdir(dir.file('clef-agent'))).toEqual(['token'])
    const second = await resolveToken({ tokenFile })
    expect(second).toEqual({ token: first.token, origin: 'file', path: tokenFile })
  })

  it('generates a different token each time a file is missing', async () => {
    await using dir = await tempDir()
    const a = await resolveToken({ tokenFile: dir.file('a') })
    const b = await resolveToken({ tokenFile: dir.file('b') })
    expect(a.token).not.toBe(b.token)
  })

  it('replaces an empty token file', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    await writeFile(tokenFile, '\n')
    const resolved = await resolveToken({ tokenFile })
    expect(resolved.origin).toBe('generated')
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(resolved.token)
    expect(await modeOf(tokenFile)).toBe(0o600)
  })

  it('two concurrent starts agree on one token', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    const [a, b] = await Promise.all([resolveToken({ tokenFile }), resolveToken({ tokenFile })])
    expect(a.token).toBe(b.token)
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(a.token)
  })

  it('reports an unusable path as config_invalid naming the file', async () => {
    await using dir = await tempDir()
    await mkdir(dir.file('token'))
    await expect(resolveToken({ tokenFile: dir.file('token') })).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining(dir.file('token')),
    })
  })
})
