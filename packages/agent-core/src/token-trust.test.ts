// The token file under the trusted-file rule, with real files owned by another uid (the suite
// runs as root): squatted default directories, foreign token files, a Kubernetes Secret mount and
// the opt-in group-readable token.
import { chmod, chown, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '@clef-sh/testing'
import { resolveToken } from './token.ts'

const OTHER = 1234
const TOKEN = 'a-token-another-user-planted-0123'

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o7777

const refusal = async (p: Promise<unknown>): Promise<{ message: string; hint: string }> => {
  const e = (await p.then(
    () => undefined,
    (err: unknown) => err,
  )) as { code?: string; message: string; hint?: string } | undefined
  expect(e?.code).toBe('config_invalid')
  expect(JSON.stringify(e)).not.toContain(TOKEN)
  return { message: e?.message ?? '', hint: e?.hint ?? '' }
}

/** kubelet's layout for a Secret with defaultMode 0440 and fsGroup OTHER. */
const secretMount = async (dir: string): Promise<string> => {
  const stamp = join(dir, '..2026_12_01_16_00_00.1')
  await mkdir(stamp, { recursive: true })
  await writeFile(join(stamp, 'token'), `${TOKEN}\n`)
  await chown(join(stamp, 'token'), 0, OTHER)
  await chmod(join(stamp, 'token'), 0o440)
  await chown(stamp, 0, OTHER)
  await chmod(stamp, 0o2755)
  await symlink('..2026_12_01_16_00_00.1', join(dir, '..data'))
  await symlink('..data/token', join(dir, 'token'))
  await chmod(dir, 0o3777)
  return join(dir, 'token')
}

describe('resolveToken: CLEF_AGENT_TOKEN length', () => {
  it('refuses a token shorter than 16 characters, naming the variable, never the token', async () => {
    const { message } = await refusal(resolveToken({ token: 'fifteen-chars-x', tokenFile: '/nonexistent/t' }))
    expect(message).toBe('CLEF_AGENT_TOKEN must be at least 16 characters (it has 15)')
    expect(await resolveToken({ token: 'sixteen-chars-xy', tokenFile: '/nonexistent/t' })).toMatchObject({
      origin: 'env',
    })
  })
})

describe('resolveToken: the default token directory', () => {
  it('is created 0700, and only its last level (never recursive)', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('clef-agent-0/token')
    expect((await resolveToken({ tokenFile, tokenFileIsDefault: true })).origin).toBe('generated')
    expect(await modeOf(dir.file('clef-agent-0'))).toBe(0o700)
    const deeper = dir.file('missing/clef-agent-0/token')
    const { message } = await refusal(resolveToken({ tokenFile: deeper, tokenFileIsDefault: true }))
    expect(message).toContain(`directory ${dir.file('missing')} does not exist`)
  })

  it('squatted by another user (sticky, world-writable, a 0600 token inside) is refused', async () => {
    await using dir = await tempDir()
    const squat = dir.file('clef-agent-0')
    await mkdir(squat)
    await writeFile(join(squat, 'token'), TOKEN, { mode: 0o600 })
    await chown(join(squat, 'token'), OTHER, OTHER)
    await chown(squat, OTHER, OTHER)
    await chmod(squat, 0o1777)
    const { message, hint } = await refusal(
      resolveToken({ tokenFile: join(squat, 'token'), tokenFileIsDefault: true }),
    )
    expect(message).toContain(`token file directory ${squat} is owned by uid ${OTHER}`)
    expect(hint).toContain('CLEF_AGENT_TOKEN_FILE')
  })

  it('of our own but with loose bits is refused', async () => {
    await using dir = await tempDir()
    const own = dir.file('clef-agent-0')
    await mkdir(own)
    await chmod(own, 0o755)
    const { message, hint } = await refusal(
      resolveToken({ tokenFile: join(own, 'token'), tokenFileIsDefault: true }),
    )
    expect(message).toMatch(
      `token file directory ${own} has mode 0755; expected 0700; remove it, or set CLEF_AGENT_TOKEN_FILE`,
    )
    expect(hint).toContain('CLEF_AGENT_TOKEN_FILE')
    expect(await readdir(own)).toEqual([])
  })
})

describe('resolveToken: a configured token file', () => {
  it('owned by another user is refused, even mode 0600', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('token')
    await writeFile(tokenFile, TOKEN, { mode: 0o600 })
    await chown(tokenFile, OTHER, OTHER)
    const { message } = await refusal(resolveToken({ tokenFile }))
    expect(message).toContain(`token file ${tokenFile} is owned by uid ${OTHER}`)
  })

  it('in a directory another user owns is refused, even a file of ours', async () => {
    await using dir = await tempDir()
    await mkdir(dir.file('theirs'), { mode: 0o700 })
    await writeFile(dir.file('theirs/token'), TOKEN, { mode: 0o600 })
    await chown(dir.file('theirs'), OTHER, OTHER)
    const { message } = await refusal(resolveToken({ tokenFile: dir.file('theirs/token') }))
    expect(message).toContain(`directory ${dir.file('theirs')} is owned by uid ${OTHER}`)
  })

  it('in a disk-backed emptyDir (2777) is refused with the medium: Memory fix', async () => {
    await using dir = await tempDir()
    await mkdir(dir.file('emptydir'))
    await chmod(dir.file('emptydir'), 0o2777)
    const { message } = await refusal(resolveToken({ tokenFile: dir.file('emptydir/token') }))
    expect(message).toContain('emptyDir: { medium: Memory }')
  })

  it('mounted from a Kubernetes Secret (root, 0440, behind ..data links) needs the group-readable opt-in', async () => {
    await using dir = await tempDir()
    const tokenFile = await secretMount(dir.file('secret'))
    const { message } = await refusal(resolveToken({ tokenFile }))
    expect(message).toContain('has mode 0440; expected 0600')
    expect(message).toContain('CLEF_AGENT_TOKEN_GROUP_READABLE=true')
    expect(await resolveToken({ tokenFile, tokenGroupReadable: true })).toEqual({
      token: TOKEN,
      origin: 'file',
      path: tokenFile,
    })
  })

  it('group-readable: generated 0640 in a 0750 default directory; others still get nothing', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('clef-agent-0/token')
    const resolved = await resolveToken({ tokenFile, tokenFileIsDefault: true, tokenGroupReadable: true })
    expect(resolved.origin).toBe('generated')
    expect(await modeOf(tokenFile)).toBe(0o640)
    expect(await modeOf(dir.file('clef-agent-0'))).toBe(0o750)
    await chmod(tokenFile, 0o644)
    const { message } = await refusal(resolveToken({ tokenFile, tokenGroupReadable: true }))
    expect(message).toContain('has mode 0644; expected 0640 or 0600')
  })
})
