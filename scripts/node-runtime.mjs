// The Node the single executables (daemon, sidecar, Lambda layer) are built on: Node 24 LTS,
// pinned by version and by the sha512 of its npm package (`node-linux-<arch>`), fetched with npm
// into node_modules/.cache on first use. The machine's own Node only runs the build; what ships is
// this one, so every executable carries the same supported, patched runtime.
//
// `node scripts/node-runtime.mjs` prints the binary's path (CI runs the suite on it too).
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The pinned runtime (sea-node.json): one version, and the npm integrity of each Linux package. */
export const SEA_NODE = JSON.parse(await readFile(new URL('./sea-node.json', import.meta.url), 'utf8'))

const platform = `${process.platform}-${process.arch}`

/**
 * Resolves the path of the pinned Node binary, fetching `node-<platform>@<version>` with npm the
 * first time and checking its tarball against the pinned sha512. The running Node is used as is
 * when it is already that version. On a platform with no pinned package (macOS, Windows) it falls
 * back to the running Node and says so on stderr. Throws when the download or the check fails.
 */
export const seaNode = async () => {
  if (process.version === `v${SEA_NODE.version}`) return process.execPath
  const integrity = SEA_NODE.integrity[platform]
  if (integrity === undefined) {
    process.stderr.write(
      `note: no pinned Node ${SEA_NODE.version} for ${platform}; building on this Node ${process.version}\n`,
    )
    return process.execPath
  }
  const dir = join(ROOT, 'node_modules/.cache/clef-node', `${platform}-${SEA_NODE.version}`)
  const binary = join(dir, 'bin/node')
  if (existsSync(binary)) return binary
  await mkdir(join(dir, '..'), { recursive: true })
  const work = await mkdtemp(`${dir}.tmp-`)
  try {
    const spec = `node-${platform}@${SEA_NODE.version}`
    await run('npm', ['pack', spec, '--pack-destination', work, '--silent'], { cwd: work })
    const [tarball] = (await readdir(work)).filter((f) => f.endsWith('.tgz'))
    if (tarball === undefined) throw new Error(`npm pack ${spec} wrote no tarball`)
    const actual = `sha512-${createHash('sha512')
      .update(await readFile(join(work, tarball)))
      .digest('base64')}`
    if (actual !== integrity) throw new Error(`${spec}: integrity ${actual}, pinned ${integrity}`)
    await mkdir(join(work, 'pkg'))
    await run('tar', ['xzf', join(work, tarball), '-C', join(work, 'pkg'), '--strip-components=1'])
    // Another build may have won the race: its copy is as good as this one.
    await rename(join(work, 'pkg'), dir).catch((e) => {
      if (!existsSync(binary)) throw e
    })
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  return binary
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${await seaNode()}\n`)
