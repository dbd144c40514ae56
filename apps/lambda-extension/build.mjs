// Bundles the extension into one CommonJS file (`dist/clef-agent-lambda.cjs`, the package's bin).
// `--layer` (`pnpm --filter lambda-extension package`) then builds the Lambda layer
// `dist/clef-agent-layer.zip`: `extensions/clef-agent`, the launcher Lambda starts, and
// `clef-agent/clef-agent-lambda`, a Node single executable, so the layer needs no Node runtime.
import { chmod, mkdir, readFile, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { buildSea, bundle } from '@clef-sh/shell/bundle'
import { writeZip } from './zip.mjs'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))

/** The file Lambda runs; it must be named like the extension (its name is the register name). */
const LAUNCHER = `#!/bin/sh
# clef-agent Lambda extension: Lambda starts every file in /opt/extensions; this one runs the
# self-contained clef-agent binary of this layer under the extension's own file name.
exec "\${0%/extensions/*}/clef-agent/clef-agent-lambda" --name "\${0##*/}" "$@"
`

const outfile = here('./dist/clef-agent-lambda.cjs')
await mkdir(here('./dist'), { recursive: true })
await bundle({ entry: here('./src/main.ts'), outfile })

if (process.argv.includes('--layer')) {
  // The binary is a copy of this Node: Lambda needs a Linux (ELF) executable.
  if (process.platform !== 'linux') throw new Error('build the Lambda layer on Linux (x86_64 or arm64)')
  const binary = here('./dist/clef-agent-lambda')
  await buildSea({ entry: here('./src/main.ts'), output: binary })
  await chmod(binary, 0o755)
  const layer = here('./dist/clef-agent-layer.zip')
  await rm(layer, { force: true })
  await writeZip(layer, [
    { name: 'extensions/', mode: 0o755 },
    { name: 'extensions/clef-agent', data: Buffer.from(LAUNCHER), mode: 0o755 },
    { name: 'clef-agent/', mode: 0o755 },
    { name: 'clef-agent/clef-agent-lambda', data: await readFile(binary), mode: 0o755 },
  ])
  process.stdout.write(`wrote ${layer}\n`)
}
