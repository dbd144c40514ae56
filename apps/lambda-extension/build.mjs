// Bundles the extension into one CommonJS file (`dist/clef-agent-lambda.cjs`, the package's bin,
// with the lazily loaded SDKs in `dist/vendor/`). `--layer` (`pnpm --filter lambda-extension
// package`, optionally `--arch x86_64|arm64`) then builds the two Lambda layers:
// - `dist/clef-agent-layer.zip`, for every runtime: `extensions/clef-agent`, the launcher Lambda
//   starts, and `clef-agent/clef-agent-lambda`, a Node single executable for this machine's
//   architecture (checked: see layer-arch.mjs), so the layer needs no Node runtime;
// - `dist/clef-agent-node-layer.zip`, for Node.js functions only: the bundle and its vendor files,
//   started by a launcher on the function's own Node. A tenth of the size, any architecture.
// Both sizes (zipped and unzipped, against Lambda's 250 MB unzipped limit) are printed and written
// to `dist/layers.json`.
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { buildSea, bundle } from '@clef-sh/shell/bundle'
import { checkElfArch, layerArch } from './layer-arch.mjs'
import { writeZip } from './zip.mjs'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))

/** The file Lambda runs; it must be named like the extension (its name is the register name). */
const LAUNCHER = `#!/bin/sh
# clef-agent Lambda extension: Lambda starts every file in /opt/extensions; this one runs the
# self-contained clef-agent binary of this layer under the extension's own file name.
exec "\${0%/extensions/*}/clef-agent/clef-agent-lambda" --name "\${0##*/}" "$@"
`

/** The Node variant's launcher: the bundle on the runtime's Node (/var/lang/bin/node in Lambda). */
const NODE_LAUNCHER = `#!/bin/sh
# clef-agent Lambda extension for Node.js functions: runs this layer's bundle on the function's own
# Node under the extension's own file name. For other runtimes use clef-agent-layer.zip.
NODE=/var/lang/bin/node
[ -x "$NODE" ] || NODE=node
exec "$NODE" "\${0%/extensions/*}/clef-agent/clef-agent-lambda.cjs" --name "\${0##*/}" "$@"
`

const argValue = (flag) => {
  const i = process.argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`))
  if (i === -1) return undefined
  return process.argv[i].includes('=') ? process.argv[i].slice(flag.length + 1) : process.argv[i + 1]
}
const layer = process.argv.includes('--layer')
// The binary is a copy of this Node: Lambda needs a Linux (ELF) executable of the function's
// architecture, so the build refuses to label another machine's binary (checked before any work).
const arch = layer ? layerArch(argValue('--arch')) : undefined
if (layer && process.platform !== 'linux')
  throw new Error('build the Lambda layer on Linux (x86_64 or arm64)')

const outfile = here('./dist/clef-agent-lambda.cjs')
await mkdir(here('./dist'), { recursive: true })
await bundle({ entry: here('./src/main.ts'), outfile })

/** Writes the zip `name` in dist/ from `files` ({ name, data, mode }); returns its two sizes. */
const writeLayer = async (name, files) => {
  const path = here(`./dist/${name}`)
  await rm(path, { force: true })
  const dirs = [...new Set(files.map((f) => f.name.slice(0, f.name.lastIndexOf('/') + 1)))]
  await writeZip(path, [...dirs.sort().map((d) => ({ name: d, mode: 0o755 })), ...files])
  const unzipped = files.reduce((sum, f) => sum + f.data.length, 0)
  return { zipped: (await stat(path)).size, unzipped }
}

if (layer) {
  const binary = here('./dist/clef-agent-lambda')
  await buildSea({ entry: here('./src/main.ts'), output: binary })
  await chmod(binary, 0o755)
  const binaryData = await readFile(binary)
  checkElfArch(binaryData, arch)
  const full = await writeLayer('clef-agent-layer.zip', [
    { name: 'extensions/clef-agent', data: Buffer.from(LAUNCHER), mode: 0o755 },
    { name: 'clef-agent/clef-agent-lambda', data: binaryData, mode: 0o755 },
  ])
  const vendor = (await readdir(here('./dist/vendor'))).filter((f) => /\.(cjs|LEGAL\.txt)$/.test(f)).sort()
  const node = await writeLayer('clef-agent-node-layer.zip', [
    { name: 'extensions/clef-agent', data: Buffer.from(NODE_LAUNCHER), mode: 0o755 },
    { name: 'clef-agent/clef-agent-lambda.cjs', data: await readFile(outfile), mode: 0o644 },
    ...(await Promise.all(
      vendor.map(async (f) => ({
        name: `clef-agent/vendor/${f}`,
        data: await readFile(here(`./dist/vendor/${f}`)),
        mode: 0o644,
      })),
    )),
  ])
  const report = {
    'clef-agent-layer.zip': { architecture: arch, ...full },
    'clef-agent-node-layer.zip': { architecture: 'any', ...node },
  }
  await writeFile(here('./dist/layers.json'), `${JSON.stringify(report, null, 2)}\n`)
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`
  for (const [name, r] of Object.entries(report)) {
    process.stdout.write(
      `wrote dist/${name} (${r.architecture}): ${mb(r.zipped)} zipped, ${mb(r.unzipped)} unzipped\n`,
    )
  }
}
