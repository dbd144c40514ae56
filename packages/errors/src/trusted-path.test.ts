// The trusted-file rule on real files and directories owned by another uid (the suite runs as
// root, so it can chown to OTHER), including the layout Kubernetes gives a mounted Secret.
import { execFileSync } from 'node:child_process'
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isAgentError } from './agent-error.ts'
import { openTrustedFile, readTrustedFile } from './trusted-file.ts'
import { resolveTrustedPath, type TrustOptions } from './trusted-path.ts'

const OTHER = 1234
const OPTS: TrustOptions = { what: 'token file', hint: 'set CLEF_AGENT_TOKEN_FILE' }
const asFile = { ...OPTS, expect: 'file' } as const

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'clef-trust-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

const refusal = async (p: Promise<unknown>): Promise<string> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  if (!isAgentError(e)) throw new Error(`expected a refusal, got ${String(e)}`)
  expect(e.code).toBe('config_invalid')
  return `${e.message} | ${e.hint ?? ''}`
}

/** What kubelet mounts for a Secret with defaultMode 0440 and fsGroup OTHER. */
const secretMount = async (dir: string, content: string): Promise<string> => {
  await mkdir(dir)
  const stamp = join(dir, '..2026_12_01_16_00_00.123456789')
  await mkdir(stamp)
  await writeFile(join(stamp, 'token'), content)
  await chown(join(stamp, 'token'), 0, OTHER)
  await chmod(join(stamp, 'token'), 0o440)
  await chown(stamp, 0, OTHER)
  await chmod(stamp, 0o2755)
  await symlink('..2026_12_01_16_00_00.123456789', join(dir, '..data'))
  await symlink('..data/token', join(dir, 'token'))
  await chown(dir, 0, OTHER)
  await chmod(dir, 0o3777)
  return join(dir, 'token')
}

describe('resolveTrustedPath', () => {
  it('accepts a file of this user in its own directory below the sticky temp dir', async () => {
    const file = join(root, 'token')
    await writeFile(file, 'x', { mode: 0o600 })
    expect(await resolveTrustedPath(file, asFile)).toBe(file)
  })

  it('refuses a file owned by another user, naming the path and the owner', async () => {
    const file = join(root, 'token')
    await writeFile(file, 'x', { mode: 0o600 })
    await chown(file, OTHER, OTHER)
    expect(await refusal(resolveTrustedPath(file, asFile))).toContain(
      `token file ${file} is owned by uid ${OTHER}`,
    )
  })

  it('refuses a file that others can write', async () => {
    const file = join(root, 'token')
    await writeFile(file, 'x')
    await chmod(file, 0o620)
    expect(await refusal(resolveTrustedPath(file, asFile))).toContain(
      'has mode 0620; other users can write to it',
    )
  })

  it('refuses a directory above the file that another user owns, even one that looks private', async () => {
    const dir = join(root, 'squatted')
    await mkdir(dir, { mode: 0o700 })
    await writeFile(join(dir, 'token'), 'x', { mode: 0o600 })
    await chown(dir, OTHER, OTHER)
    expect(await refusal(resolveTrustedPath(join(dir, 'token'), asFile))).toContain(
      `directory ${dir} is owned by uid ${OTHER}`,
    )
  })

  it('refuses a world-writable directory that is not sticky, and points a disk emptyDir at medium: Memory', async () => {
    const dir = join(root, 'emptydir')
    await mkdir(dir)
    await chmod(dir, 0o2777)
    await writeFile(join(dir, 'token'), 'x', { mode: 0o600 })
    const message = await refusal(resolveTrustedPath(join(dir, 'token'), asFile))
    expect(message).toContain(
      `directory ${dir} has mode 2777; other users can write to it (expected 0700 or 0755)`,
    )
    expect(message).toContain('emptyDir: { medium: Memory }')
  })

  it('accepts a sticky directory only above entries of this user or root', async () => {
    const sticky = join(root, 'shared')
    await mkdir(sticky)
    await chmod(sticky, 0o1777)
    await mkdir(join(sticky, 'mine'), { mode: 0o700 })
    await writeFile(join(sticky, 'mine', 'token'), 'x', { mode: 0o600 })
    expect(await resolveTrustedPath(join(sticky, 'mine', 'token'), asFile)).toBe(
      join(sticky, 'mine', 'token'),
    )
    await chown(join(sticky, 'mine'), OTHER, OTHER)
    expect(await refusal(resolveTrustedPath(join(sticky, 'mine', 'token'), asFile))).toContain(
      `directory ${join(sticky, 'mine')} is owned by uid ${OTHER}`,
    )
  })

  it('refuses a sticky directory that another user owns (the squatted /tmp/clef-agent-<uid>)', async () => {
    const squat = join(root, 'clef-agent-0')
    await mkdir(squat)
    await writeFile(join(squat, 'token'), 'x', { mode: 0o600 })
    await chown(squat, OTHER, OTHER)
    await chmod(squat, 0o1777)
    expect(await refusal(resolveTrustedPath(join(squat, 'token'), asFile))).toContain(
      `directory ${squat} is owned by uid ${OTHER}`,
    )
  })

  it('follows the links of a Kubernetes Secret mount, as root and as the fsGroup user', async () => {
    const token = await secretMount(join(root, 'secret'), 'x')
    const real = join(root, 'secret', '..2026_12_01_16_00_00.123456789', 'token')
    expect(await resolveTrustedPath(token, asFile)).toBe(real)
    expect(await resolveTrustedPath(token, { ...asFile, uid: OTHER })).toBe(real)
  })

  it('refuses a link that another user planted in a sticky directory', async () => {
    const token = await secretMount(join(root, 'secret'), 'x')
    await rm(token)
    await symlink('..data/token', token)
    execFileSync('chown', ['-h', `${OTHER}:${OTHER}`, token])
    expect(await refusal(resolveTrustedPath(token, asFile))).toContain(
      `token file ${token} is owned by uid ${OTHER}`,
    )
  })

  it('follows a link only into directories that pass', async () => {
    const theirs = join(root, 'theirs')
    await mkdir(theirs)
    await writeFile(join(theirs, 'token'), 'x', { mode: 0o600 })
    await chown(theirs, OTHER, OTHER)
    await symlink(join(theirs, 'token'), join(root, 'token'))
    expect(await refusal(resolveTrustedPath(join(root, 'token'), asFile))).toContain(
      `directory ${theirs} is owned by uid ${OTHER}`,
    )
  })

  it('refuses a link loop, and rejects with ENOENT for a missing file', async () => {
    await symlink('b', join(root, 'a'))
    await symlink('a', join(root, 'b'))
    expect(await refusal(resolveTrustedPath(join(root, 'a'), asFile))).toContain('more than 40 links')
    await expect(resolveTrustedPath(join(root, 'missing'), asFile)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('checks what it expects: a directory is not a file', async () => {
    expect(await refusal(resolveTrustedPath(root, asFile))).toContain('is not a regular file')
    expect(await resolveTrustedPath(root, { ...OPTS, expect: 'directory' })).toBe(root)
  })
})

describe('openTrustedFile and readTrustedFile', () => {
  it('reads a Secret-mounted file through its links', async () => {
    const token = await secretMount(join(root, 'secret'), 'from-the-secret')
    expect(await readTrustedFile(token, { ...OPTS, maxBytes: 100 })).toBe('from-the-secret')
  })

  it('refuses a FIFO without hanging, and a file over the cap', async () => {
    execFileSync('mkfifo', [join(root, 'fifo')])
    expect(await refusal(openTrustedFile(join(root, 'fifo'), OPTS))).toContain('is not a regular file')
    await writeFile(join(root, 'big'), 'x'.repeat(101), { mode: 0o600 })
    expect(await refusal(readTrustedFile(join(root, 'big'), { ...OPTS, maxBytes: 100 }))).toContain(
      'is larger than 100 bytes',
    )
  })

  it('resolves undefined for a missing file', async () => {
    expect(await readTrustedFile(join(root, 'none', 'token'), { ...OPTS, maxBytes: 100 })).toBeUndefined()
  })
})
