// The files the agent trusts, through the real daemon, with real files owned by another uid (the
// suite runs as root; some daemons run as OTHER): a squatted default token directory, another
// user's token, key, cache and rollback marks, a Kubernetes Secret mount, sharing the token with
// an app that runs as another user, and a too-short CLEF_AGENT_TOKEN.
import { execFileSync } from 'node:child_process'
import { chmod, chown, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  createAgeKey,
  freePort,
  packArtifact,
  startHttpOrigin,
  tempDir,
  vector,
  vectorPath,
} from '@clef-sh/testing'
import { runDaemon, startDaemon, waitLoaded, type Daemon } from './harness.ts'

const OTHER = 1234
const APP = 2345
const TOKEN = 'token-that-another-user-planted-0123'
const V = vector('age-basic')
const BASE = { CLEF_AGENT_SOURCE: vectorPath(V), CLEF_AGENT_AGE_KEY: V.ageKey ?? '' }

/** A temp dir that OTHER can enter (mkdtemp makes it 0700). */
const openTempDir = async () => {
  const dir = await tempDir()
  await chmod(dir.path, 0o755)
  return dir
}

/** kubelet's layout of a Secret volume: defaultMode 0440, fsGroup `group`, links into a stamped dir. */
const secretMount = async (
  mount: string,
  { name, content, group }: { name: string; content: string; group: number },
): Promise<string> => {
  const stamp = join(mount, '..2026_12_01_16_00_00.123456789')
  await mkdir(stamp, { recursive: true })
  await writeFile(join(stamp, name), content)
  await chown(join(stamp, name), 0, group)
  await chmod(join(stamp, name), 0o440)
  await chown(stamp, 0, group)
  await chmod(stamp, 0o2755)
  await symlink('..2026_12_01_16_00_00.123456789', join(mount, '..data'))
  await symlink(`..data/${name}`, join(mount, name))
  await chown(mount, 0, group)
  await chmod(mount, 0o3777)
  return join(mount, name)
}

const keysWith = async (d: Daemon, token: string): Promise<number> =>
  (await fetch(`http://127.0.0.1:${d.port}/v1/keys`, { headers: { authorization: `Bearer ${token}` } }))
    .status

describe('token file: only trusted files', () => {
  it('a default token directory squatted by another user stops the daemon, naming it and CLEF_AGENT_TOKEN_FILE, never the token', async () => {
    await using tmp = await tempDir()
    const squat = join(tmp.path, 'clef-agent-0')
    await mkdir(squat)
    await writeFile(join(squat, 'token'), TOKEN, { mode: 0o600 })
    await chown(join(squat, 'token'), OTHER, OTHER)
    await chown(squat, OTHER, OTHER)
    await chmod(squat, 0o1777)
    const { code, output } = await runDaemon([], {
      ...BASE,
      TMPDIR: tmp.path,
      CLEF_AGENT_PORT: String(await freePort()),
    })
    expect(code).toBe(1)
    expect(output).toContain(`token file directory ${squat} is owned by uid ${OTHER}`)
    expect(output).toContain('CLEF_AGENT_TOKEN_FILE')
    expect(output).not.toContain(TOKEN)
  })

  it('the default token directory is created 0700 by the daemon itself', async () => {
    await using tmp = await tempDir()
    await using d = await startDaemon({ ...BASE, TMPDIR: tmp.path, CLEF_AGENT_TOKEN: '' })
    await waitLoaded(d)
    expect((await stat(join(tmp.path, 'clef-agent-0'))).mode & 0o7777).toBe(0o700)
  })

  it('an explicit CLEF_AGENT_TOKEN_FILE owned by another user is refused (exit 1)', async () => {
    await using dir = await tempDir()
    await writeFile(dir.file('token'), TOKEN, { mode: 0o600 })
    await chown(dir.file('token'), OTHER, OTHER)
    const { code, output } = await runDaemon([], {
      ...BASE,
      CLEF_AGENT_TOKEN_FILE: dir.file('token'),
      CLEF_AGENT_PORT: String(await freePort()),
    })
    expect(code).toBe(1)
    expect(output).toContain(`token file ${dir.file('token')} is owned by uid ${OTHER}`)
    expect(output).not.toContain(TOKEN)
  })

  it('a token file in a disk-backed emptyDir (2777) is refused with the medium: Memory fix', async () => {
    await using dir = await tempDir()
    await mkdir(dir.file('emptydir'))
    await chmod(dir.file('emptydir'), 0o2777)
    const { code, output } = await runDaemon([], {
      ...BASE,
      CLEF_AGENT_TOKEN_FILE: dir.file('emptydir/token'),
      CLEF_AGENT_PORT: String(await freePort()),
    })
    expect(code).toBe(1)
    expect(output).toContain('emptyDir: { medium: Memory }')
  })

  it('CLEF_AGENT_TOKEN shorter than 16 characters stops the daemon, naming the variable', async () => {
    const { code, output } = await runDaemon([], {
      ...BASE,
      CLEF_AGENT_TOKEN: 'short-tok-15chr',
      CLEF_AGENT_PORT: String(await freePort()),
    })
    expect(code).toBe(1)
    expect(output).toContain('CLEF_AGENT_TOKEN: must be at least 16 characters')
    expect(output).not.toContain('short-tok-15chr')
  })
})

describe('sharing the token with an app that runs as another user', () => {
  it('a Secret-mounted token (root, 0440, fsGroup, ..data links) serves an agent running as the fsGroup user, with CLEF_AGENT_TOKEN_GROUP_READABLE=true', async () => {
    await using dir = await openTempDir()
    const tokenFile = await secretMount(dir.file('secret'), {
      name: 'token',
      content: `${TOKEN}\n`,
      group: OTHER,
    })
    const env = { ...BASE, CLEF_AGENT_TOKEN: '', CLEF_AGENT_TOKEN_FILE: tokenFile }
    const refused = await runDaemon(
      [],
      { ...env, CLEF_AGENT_PORT: String(await freePort()) },
      { uid: OTHER, gid: OTHER },
    )
    expect(refused.code).toBe(1)
    expect(refused.output).toContain('has mode 0440; expected 0600')
    expect(refused.output).toContain('CLEF_AGENT_TOKEN_GROUP_READABLE=true')
    await using d = await startDaemon(
      { ...env, CLEF_AGENT_TOKEN_GROUP_READABLE: 'true' },
      { as: { uid: OTHER, gid: OTHER } },
    )
    await waitLoaded(d)
    expect(await keysWith(d, TOKEN)).toBe(200)
    expect(d.output()).not.toContain(TOKEN)
  })

  it('a generated group-readable token in a memory emptyDir (sticky, fsGroup) is readable by an app of another uid in the group, and by nobody else', async () => {
    await using dir = await openTempDir()
    const shared = dir.file('run-clef')
    await mkdir(shared)
    await chown(shared, 0, OTHER)
    await chmod(shared, 0o3777)
    const tokenFile = join(shared, 'token')
    await using d = await startDaemon({
      ...BASE,
      CLEF_AGENT_TOKEN: '',
      CLEF_AGENT_TOKEN_FILE: tokenFile,
      CLEF_AGENT_TOKEN_GROUP_READABLE: 'true',
    })
    await waitLoaded(d)
    const info = await stat(tokenFile)
    expect({ mode: info.mode & 0o777, gid: info.gid }).toEqual({ mode: 0o640, gid: OTHER })
    const asApp = execFileSync('cat', [tokenFile], { uid: APP, gid: OTHER, encoding: 'utf8' }).trim()
    expect(await keysWith(d, asApp)).toBe(200)
    expect(() => execFileSync('cat', [tokenFile], { uid: APP, gid: APP, stdio: 'pipe' })).toThrow()
  })
})

describe('age key file, disk cache and rollback marks: only trusted files', () => {
  it('an age key file owned by another user stops the daemon; a Secret-mounted key serves an agent running as the fsGroup user', async () => {
    await using dir = await openTempDir()
    await writeFile(dir.file('age.key'), `${V.ageKey ?? ''}\n`, { mode: 0o600 })
    await chown(dir.file('age.key'), OTHER, OTHER)
    const env = { CLEF_AGENT_SOURCE: vectorPath(V) }
    const refused = await runDaemon([], {
      ...env,
      CLEF_AGENT_AGE_KEY_FILE: dir.file('age.key'),
      CLEF_AGENT_TOKEN: 'test-token-0123456789abcdef',
      CLEF_AGENT_PORT: String(await freePort()),
    })
    expect(refused.code).toBe(1)
    expect(refused.output).toContain(`age key file ${dir.file('age.key')} is owned by uid ${OTHER}`)
    expect(refused.output).not.toContain(V.ageKey ?? '')
    const keyFile = await secretMount(dir.file('key'), {
      name: 'age.key',
      content: `${V.ageKey ?? ''}\n`,
      group: OTHER,
    })
    await using d = await startDaemon(
      { ...env, CLEF_AGENT_AGE_KEY_FILE: keyFile },
      { as: { uid: OTHER, gid: OTHER } },
    )
    await waitLoaded(d)
    expect((await d.get('/v1/ready', { auth: false })).status).toBe(200)
  })

  it('a disk cache and rollback marks that another user owns are not believed', async () => {
    await using dir = await tempDir()
    const key = await createAgeKey()
    const older = await packArtifact({
      recipient: key.recipient,
      values: { app: { K: 'older' } },
      revision: `${Date.now() - 60_000}-0a0a0a0a`,
    })
    const newer = await packArtifact({ recipient: key.recipient, values: { app: { K: 'newer' } } })
    await using origin = await startHttpOrigin({ body: newer })
    const env = {
      CLEF_AGENT_SOURCE: origin.url,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_CACHE_PATH: dir.file('cache/artifact.json'),
    }
    const first = await startDaemon(env)
    await first.waitFor(async () => (await first.get('/v1/ready', { auth: false })).status === 200)
    expect(await first.stop()).toBe(0)
    // Another user now owns what the first run left (the cache and the marks beside it).
    const left = await readdir(dir.file('cache'))
    execFileSync('chown', ['-R', `${OTHER}:${OTHER}`, ...left.map((name) => dir.file(`cache/${name}`))])

    origin.setBody(older)
    await using second = await startDaemon(env)
    await second.waitFor(async () => (await second.get('/v1/ready', { auth: false })).status === 200)
    // Neither the planted cache nor the planted marks count: the source's artifact is served.
    expect((await second.get('/v1/secrets')).json).toEqual({ app: { K: 'older' } })
    expect(second.output()).toContain(`is owned by uid ${OTHER}`)
  })
})
