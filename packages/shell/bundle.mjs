// The shells' bundling helpers (`@clef-sh/shell/bundle`), used by the build.mjs of every app:
// `bundle` makes one CommonJS file with everything start-up needs, so `node dist/<name>.cjs` reads
// one file; the heavy SDKs only some configurations use (AWS KMS and S3, Octokit, GitBeaker,
// age-encryption for post-quantum keys) go to dist/vendor/*.cjs, required on first use, so most
// agents never parse them. `buildSea` makes a Node single executable from a self-contained bundle
// (in a SEA `require` loads only built-ins).
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { seaNode } from '../../scripts/node-runtime.mjs'

// The fuse Node looks for to know a SEA blob was injected (node/src/node_sea.cc).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

/** Packages loaded lazily (`await import()`), each bundled to `vendor/<file>.cjs`, and the folder it resolves from. */
const VENDORS = {
  '@aws-sdk/client-kms': { file: 'aws-kms', from: '../decrypt' },
  '@aws-sdk/client-s3': { file: 'aws-s3', from: '../sources' },
  '@octokit/rest': { file: 'octokit', from: '../sources' },
  '@gitbeaker/rest': { file: 'gitbeaker', from: '../sources' },
  'age-encryption': { file: 'age-encryption', from: '../decrypt' },
}
const VENDOR_FILTER = new RegExp(
  `^(${Object.keys(VENDORS)
    .map((k) => k.replace(/[/.]/g, '\\$&'))
    .join('|')})$`,
)

/**
 * Swaps each vendor package for a shim that `require`s its side file. An external dynamic
 * `import()` of a CJS file would expose only `default`; through `require`, named exports work.
 */
const vendorPlugin = {
  name: 'clef-vendor',
  setup(b) {
    b.onResolve({ filter: VENDOR_FILTER }, (a) => ({ path: a.path, namespace: 'clef-vendor' }))
    b.onLoad({ filter: /.*/, namespace: 'clef-vendor' }, (a) => ({
      contents: `module.exports = require(${JSON.stringify(`./vendor/${VENDORS[a.path].file}.cjs`)})`,
      loader: 'js',
    }))
    b.onResolve({ filter: /^\.\/vendor\// }, (a) => ({ path: a.path, external: true }))
  },
}

const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  logLevel: 'warning',
  write: false,
}

/** Writes esbuild's output files, each atomically: a running bundle never reads a half-written one. */
const writeOutputs = async (outputFiles, executable) => {
  for (const file of outputFiles) {
    await mkdir(dirname(file.path), { recursive: true })
    const temp = `${file.path}.${process.pid}.tmp`
    await writeFile(temp, file.contents, { mode: file.path === executable ? 0o755 : 0o644 })
    await rename(temp, file.path)
  }
}

/**
 * The launcher (src/launcher/main.ts) with the program `main` in front of it as the string it runs:
 * one file, whose program V8 compiles from the code cache of an earlier start.
 */
const withLauncher = async (main) => {
  const launcher = await build({
    ...COMMON,
    entryPoints: [new URL('./src/launcher/main.ts', import.meta.url).pathname],
    outfile: 'launcher.cjs',
    legalComments: 'none',
    // It runs as the file's own module: `module` and `require` are Node's, on purpose.
    logOverride: { 'commonjs-variable-in-esm': 'silent' },
  })
  const code = launcher.outputFiles.find((f) => f.path.endsWith('launcher.cjs')).text
  // The program's digest, computed here once instead of at every start: it names the cache file,
  // which is all that ties a cache to the program's text (V8 itself checks only its length). The
  // bundle is built, never edited in place.
  const digest = createHash('sha256').update(main).digest('hex')
  return `#!/usr/bin/env node\nconst __clef_main_source = ${JSON.stringify(main)};\nconst __clef_main_sha256 = '${digest}';\n${code}`
}

/**
 * Bundles `entry` (a .ts file) into the executable CommonJS file `outfile`. With `vendors` (the
 * default) the lazily loaded SDKs go to `vendor/*.cjs` beside it and the program runs from a
 * launcher with a V8 code cache (src/launcher); without, the file is plain and self-contained
 * (what a SEA needs: it has its own code cache).
 */
export const bundle = async ({ entry, outfile, vendors = true }) => {
  const { outputFiles } = await build({
    ...COMMON,
    entryPoints: [entry],
    outfile,
    sourcemap: 'linked',
    plugins: vendors ? [vendorPlugin] : [],
    define: {
      // import.meta.url has no CJS meaning: point it at the bundle itself.
      'import.meta.url': '__clef_import_meta_url',
      // The side files, checked at start (packages/shell/src/bundled-files.ts).
      __CLEF_VENDOR_FILES__: JSON.stringify(
        vendors ? Object.values(VENDORS).map(({ file }) => `./vendor/${file}.cjs`) : [],
      ),
    },
    banner: {
      js: `${vendors ? '' : '#!/usr/bin/env node\n'}const __clef_import_meta_url = require('node:url').pathToFileURL(__filename).href;`,
    },
  })
  if (vendors) {
    const main = outputFiles.find((f) => f.path === outfile)
    main.contents = Buffer.from(await withLauncher(main.text))
  }
  await writeOutputs(outputFiles, outfile)
  if (!vendors) return
  for (const [pkg, { file, from }] of Object.entries(VENDORS)) {
    const vendor = await build({
      ...COMMON,
      stdin: {
        contents: `module.exports = require(${JSON.stringify(pkg)})`,
        resolveDir: new URL(from, import.meta.url).pathname,
      },
      outfile: join(dirname(outfile), 'vendor', `${file}.cjs`),
    })
    await writeOutputs(vendor.outputFiles)
  }
}

const run = (file, args) => execFileSync(file, args, { stdio: ['ignore', 'ignore', 'inherit'] })

/**
 * Writes `output`, a copy of the pinned Node binary (scripts/node-runtime.mjs) with `entry` (a .ts file), bundled self-contained,
 * injected as its single executable application (with V8 code cache, so start-up skips compiling
 * the bundle). In a SEA every argv goes to the app and `require` only loads built-ins. The file
 * appears atomically, so a concurrent reader never runs a half-written binary.
 */
export const buildSea = async ({ entry, output }) => {
  const dir = await mkdtemp(join(tmpdir(), 'clef-sea-'))
  try {
    const main = join(dir, 'main.cjs')
    await bundle({ entry, outfile: main, vendors: false })
    const blob = join(dir, 'sea.blob')
    const config = join(dir, 'sea-config.json')
    const sea = { main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }
    await writeFile(config, JSON.stringify(sea))
    // The blob (and its code cache) must come from the very Node it is injected into.
    const node = await seaNode()
    run(node, ['--experimental-sea-config', config])
    const temp = join(dir, 'app')
    await copyFile(node, temp)
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
