// The age key file under the trusted-file rule: another user's file is refused at start, naming
// the path and never the key; a Kubernetes Secret mount (root-owned, behind links) is read.
import { chmod, chown, mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createAgeKey, tempDir } from '@clef-sh/testing'
import { loadAgeIdentity } from './age-key.ts'

const OTHER = 1234

describe('loadAgeIdentity: trusted key files only', () => {
  it('refuses a key file another user owns, naming the path, never the key', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const path = dir.file('age.key')
    await writeFile(path, `# created by someone else\n${key.identity}\n`, { mode: 0o600 })
    await chown(path, OTHER, OTHER)
    const error = await loadAgeIdentity({ kind: 'file', path }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'config_invalid',
      message: `age key file ${path} is owned by uid ${OTHER}; only uid 0 (this agent) or root may own it`,
    })
    expect(JSON.stringify(error)).not.toContain(key.identity)
    expect((error as Error).message).not.toContain(key.identity)
  })

  it('refuses a key file others can write', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const path = dir.file('age.key')
    await writeFile(path, key.identity)
    await chmod(path, 0o646)
    await expect(loadAgeIdentity({ kind: 'file', path })).rejects.toMatchObject({
      message: expect.stringContaining('has mode 0646; other users can write to it') as string,
    })
  })

  it('reads a key mounted from a Secret: root-owned 0440 behind ..data links in a sticky tmpfs', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const mount = dir.file('key')
    const stamp = join(mount, '..2026_12_01_16_00_00.1')
    await mkdir(stamp, { recursive: true })
    await writeFile(join(stamp, 'age.key'), `# public key: ${key.recipient}\n${key.identity}\n`)
    await chown(join(stamp, 'age.key'), 0, OTHER)
    await chmod(join(stamp, 'age.key'), 0o440)
    await symlink('..2026_12_01_16_00_00.1', join(mount, '..data'))
    await symlink('..data/age.key', join(mount, 'age.key'))
    await chmod(mount, 0o1777)
    expect(await loadAgeIdentity({ kind: 'file', path: join(mount, 'age.key') })).toBe(key.identity)
  })

  it('still says a missing key file is missing', async () => {
    await using dir = await tempDir()
    await expect(loadAgeIdentity({ kind: 'file', path: dir.file('nope') })).rejects.toMatchObject({
      message: `age key file ${dir.file('nope')}: no such file`,
    })
  })
})
