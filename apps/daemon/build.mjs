// Bundles the daemon into one CommonJS file (every dependency included, age-encryption too), so
// `node dist/clef-agent.cjs` starts by reading a single file; `--sea` then turns that file into a
// Node single executable `dist/clef-agent` that needs nothing installed (`--sea-only`: from the
// bundle already built, leaving it untouched for the processes that may be running it).
// `bundle` and `buildSea` are also used by the Lambda extension's and the sidecar's builds.
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The fuse Node looks for to know a SEA blob was injected (node/src/node_sea.cc).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

/**
 * Bundles `entry` (a .ts file) into the executable CommonJS file `outfile`. Every output file
 * appears atomically: tests running the previous bundle never read a half-written one.
 */
export const bundle = async ({ entry, outfile }) => {
  const { outputFiles } = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'linked',
    sourcemap: 'linked',
    // import.meta.url has no CJS meaning: point it at the bundle itself.
    define: { 'import.meta.url': '__clef_import_meta_url' },
    banner: {
      js: "#!/usr/bin/env node\nconst __clef_import_meta_url = require('node:url').pathToFileURL(__filename).href;",
    },
    logLevel: 'warning',
    write: false,
  })
  await mkdir(dirname(outfile), { recursive: true })
  for (const file of outputFiles) {
    const temp = `${file.path}.${process.pid}.tmp`
    await writeFile(temp, file.contents, { mode: file.path === outfile ? 0o755 : 0o644 })
    await rename(temp, file.path)
  }
}

const run = (file, args) => execFileSync(file, args, { stdio: ['ignore', 'ignore', 'inherit'] })

/**
 * Writes `output`, a copy of this Node binary with the CommonJS file `main` injected as its single
 * executable application (with V8 code cache, so start-up skips compiling the bundle). In a SEA
 * every argv goes to the app and `require` only loads built-ins: `main` must be self-contained.
 * The file appears atomically, so a concurrent reader never runs a half-written binary.
 */
export const buildSea = async ({ main, output }) => {
  const dir = await mkdtemp(join(tmpdir(), 'clef-sea-'))
  try {
    const blob = join(dir, 'sea.blob')
    const config = join(dir, 'sea-config.json')
    const sea = { main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }
    await writeFile(config, JSON.stringify(sea))
    run(process.execPath, ['--experimental-sea-config', config])
    const temp = join(dir, 'app')
    await copyFile(process.execPath, temp)
    await chmod(temp, 0o755)
    if (process.platform === 'darwin') run('codesign', ['--remove-signature', temp])
    const { inject } = createRequire(import.meta.url)('postject')
    await inject(temp, 'NODE_SEA_BLOB', await readFile(blob), {
      sentinelFuse: SEA_FUSE,
      machoSegmentName: 'NODE_SEA',
    })
    if (process.platform === 'darwin') run('codesign', ['--sign', '-', temp])
    await copyFile(temp, `${output}.tmp`)
    await rename(`${output}.tmp`, output)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = (p) => fileURLToPath(new URL(p, import.meta.url))
  const outfile = here('./dist/clef-agent.cjs')
  const flags = process.argv.slice(2)
  if (!flags.includes('--sea-only')) await bundle({ entry: here('./src/main.ts'), outfile })
  if (flags.includes('--sea') || flags.includes('--sea-only')) {
    await buildSea({ main: outfile, output: here('./dist/clef-agent') })
  }
}
