// The image's runtime root filesystem without an image registry: the Debian packages distroless
// `cc` carries, extracted by mmdebstrap (cached under node_modules/.cache, rebuilt when the
// package list changes), and a sandbox that runs an executable in it as docker/Dockerfile does:
// no shell, uid/gid 65532, root read-only, a writable tmpfs on the token directory, own PID
// namespace. Needs root, mmdebstrap, unshare and nsenter (`.ci/run` installs mmdebstrap).
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** What distroless `cc` (Debian 12) is made of; apt adds their dependencies. */
export const PACKAGES = ['libc6', 'libstdc++6', 'libgcc-s1', 'ca-certificates', 'tzdata'] as const
const SUITE = 'bookworm'

/** Where the image puts the executable, and the mounts the examples give it. */
export const IN_IMAGE = {
  binary: '/usr/local/bin/clef-agent',
  config: '/etc/clef',
  tokens: '/run/clef',
} as const

/**
 * Returns the directory of the extracted root filesystem, building it on first use (about 10 s).
 * Throws with what is missing when this machine cannot build it (not root, no mmdebstrap).
 */
export const runtimeRootfs = async (): Promise<string> => {
  const dir = join(ROOT, 'node_modules/.cache/clef-rootfs', `${SUITE}-${PACKAGES.join('-')}`)
  if (existsSync(join(dir, '.complete'))) return dir
  if (process.getuid?.() !== 0) throw new Error('the rootfs test runs as root (mmdebstrap, unshare)')
  await mkdir(join(dir, '..'), { recursive: true })
  const work = await mkdtemp(`${dir}.tmp-`)
  try {
    const include = `--include=${PACKAGES.join(',')}`
    await run('mmdebstrap', ['--quiet', '--variant=extract', '--mode=root', include, SUITE, work], {
      maxBuffer: 16 << 20,
    }).catch((e: unknown) => {
      throw new Error(`mmdebstrap failed (apt-get install mmdebstrap): ${String(e)}`)
    })
    // The image's own paths: the binary (a mount point here), the token and config directories.
    for (const d of ['proc', 'usr/local/bin', IN_IMAGE.config, IN_IMAGE.tokens])
      await mkdir(join(work, d), { recursive: true })
    await writeFile(join(work, IN_IMAGE.binary), '')
    await writeFile(join(work, '.complete'), '')
    await rm(dir, { recursive: true, force: true })
    await rename(work, dir)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  return dir
}

// Runs on the host, in a private mount namespace: the image's mounts, then the executable chrooted.
const SANDBOX = `set -e
root=$1 binary=$2 config=$3; shift 3
mount --bind "$root" "$root"
mount --bind "$binary" "$root${IN_IMAGE.binary}"
mount -o remount,bind,ro "$root${IN_IMAGE.binary}"
mount --bind "$config" "$root${IN_IMAGE.config}"
mount -o remount,bind,ro "$root${IN_IMAGE.config}"
mount -t tmpfs -o size=1m,mode=0700,uid=65532,gid=65532 tmpfs "$root${IN_IMAGE.tokens}"
mount -o remount,bind,ro "$root"
exec unshare --pid --fork --mount-proc=/proc --root="$root" --wd=/ --setuid 65532 --setgid 65532 -- "$@"
`

/** A process started in the sandbox: the launcher, and the host PID of the contained process. */
export interface Contained {
  readonly launcher: ChildProcess
  readonly pid: number
  /** SIGKILLs the contained process (the launcher then exits). */
  readonly kill: () => void
  /** Runs `argv` inside the same namespaces and root, as 65532; resolves its exit code. */
  readonly exec: (argv: readonly string[], env: Record<string, string>) => Promise<number>
}

/** Starts `argv` (its first item a path inside the image) in `rootfs` with `binary` and `config` mounted. */
export const startContained = async (options: {
  rootfs: string
  binary: string
  config: string
  argv: readonly string[]
  env: Record<string, string>
}): Promise<Contained> => {
  const { rootfs, binary, config, argv, env } = options
  const launcher = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      SANDBOX,
      'sandbox',
      rootfs,
      binary,
      config,
      ...argv,
    ],
    { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const until = Date.now() + 10_000
  let pid = 0
  while (pid === 0) {
    if (launcher.exitCode !== null || Date.now() > until) throw new Error('the sandbox did not start')
    // The launcher's child once it runs argv[0] (before, its children are the mount commands).
    const proc = `/proc/${String(launcher.pid)}`
    const children = await readFile(`${proc}/task/${String(launcher.pid)}/children`, 'utf8').catch(() => '')
    for (const child of children.trim().split(' ').filter(Boolean)) {
      const cmdline = await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '')
      if (cmdline.startsWith(`${argv[0] ?? ''}\0`)) pid = Number(child)
    }
    if (pid === 0) await new Promise((r) => setTimeout(r, 20))
  }
  const exec = async (inner: readonly string[], innerEnv: Record<string, string>): Promise<number> => {
    const flags = [
      '--target',
      String(pid),
      '--mount',
      '--pid',
      '--root',
      '--wd',
      '-S',
      '65532',
      '-G',
      '65532',
    ]
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...innerEnv }
    return run('nsenter', [...flags, '--', ...inner], { env }).then(
      () => 0,
      (e: unknown) => (e as { code?: number }).code ?? 1,
    )
  }
  const kill = (): void => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  return { launcher, pid, exec, kill }
}
