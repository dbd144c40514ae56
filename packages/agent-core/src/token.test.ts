import { execFileSync } from 'node:child_process'
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { tempDir } from '@clef-sh/testing'
import { resolveToken } from './token.ts'

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

describe('resolveToken', () => {
  it('prefers the token from the environment and touches no file', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('run/token')
    // At least 16 characters since CLEF_AGENT_TOKEN has a minimum length (was 'from-env').
    const token = 'from-env-0123456789'
    expect(await resolveToken({ token, tokenFile })).toEqual({ token, origin: 'env' })
    expect(await readdir(dir.path)).toEqual([])
  })

  it('reads a non-empty token file, trimmed', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    await writeFile(tokenFile, '  file-token\n', { mode: 0o600 })
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
      message: expect.stringContaining(dir.file('token')) as string,
    })
  })
})

describe('resolveToken: token file permissions', () => {
  const TOKEN = 'file-token-that-must-not-leak'

  it.each([0o644, 0o640, 0o604, 0o660, 0o666, 0o610, 0o601])(
    'refuses a token file with mode %o, naming the path and 0600 but never the token',
    async (mode) => {
      await using dir = await tempDir()
      const tokenFile = dir.file('token')
      await writeFile(tokenFile, `${TOKEN}\n`)
      await chmod(tokenFile, mode)
      const error = await resolveToken({ tokenFile }).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'config_invalid', hint: `run: chmod 600 ${tokenFile}` })
      const message = (error as Error).message
      expect(message).toContain(tokenFile)
      expect(message).toContain(`mode 0${mode.toString(8)}`)
      expect(message).toContain('expected 0600')
      expect(message).not.toContain(TOKEN)
      expect(JSON.stringify(error)).not.toContain(TOKEN)
    },
  )

  it.each([0o600, 0o400])('accepts a token file with mode %o', async (mode) => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    await writeFile(tokenFile, TOKEN)
    await chmod(tokenFile, mode)
    expect(await resolveToken({ tokenFile })).toEqual({ token: TOKEN, origin: 'file', path: tokenFile })
  })

  it('refuses a FIFO at the token path instead of hanging on it', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    execFileSync('mkfifo', ['-m', '600', tokenFile])
    await expect(resolveToken({ tokenFile })).rejects.toMatchObject({
      code: 'config_invalid',
      message: `token file ${tokenFile} is not a regular file`,
    })
  })

  it('refuses a file far larger than any token', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    await writeFile(tokenFile, 'x'.repeat(5000), { mode: 0o600 })
    await expect(resolveToken({ tokenFile })).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('larger than 4096 bytes') as string,
    })
  })

  it('will not generate a token into an existing directory others can write to', async () => {
    await using dir = await tempDir()
    await mkdir(dir.file('shared'))
    await chmod(dir.file('shared'), 0o777)
    const tokenFile = dir.file('shared/token')
    await expect(resolveToken({ tokenFile })).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringMatching(/shared has mode 0777; .*expected 0700/) as string,
    })
    expect(await readdir(dir.file('shared'))).toEqual([])
  })

  it('generates into a sticky world-writable directory (like /tmp), the file 0600', async () => {
    await using dir = await tempDir()
    await mkdir(dir.file('sticky'))
    await chmod(dir.file('sticky'), 0o1777)
    const resolved = await resolveToken({ tokenFile: dir.file('sticky/token') })
    expect(resolved.origin).toBe('generated')
    expect(await modeOf(dir.file('sticky/token'))).toBe(0o600)
  })

  it('replaces an empty world-readable token file with a fresh 0600 one', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    await writeFile(tokenFile, '')
    await chmod(tokenFile, 0o644)
    const resolved = await resolveToken({ tokenFile })
    expect(resolved.origin).toBe('generated')
    expect(await modeOf(tokenFile)).toBe(0o600)
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(resolved.token)
  })
})
