// Bundles the daemon into one CommonJS file with every dependency our start-up needs (age-encryption
// included), so `node dist/clef-agent.cjs` reads one file. The heavy SDKs that only some configurations
// use (AWS KMS, S3, Octokit, GitBeaker) go to dist/vendor/*.cjs and load on first use.
import { build } from 'esbuild'
import { chmod, rm } from 'node:fs/promises'

const dist = new URL('./dist/', import.meta.url).pathname
const VENDORS = {
  '@aws-sdk/client-kms': { file: 'aws-kms', from: '../../packages/decrypt' },
  '@aws-sdk/client-s3': { file: 'aws-s3', from: '../../packages/sources' },
  '@octokit/rest': { file: 'octokit', from: '../../packages/sources' },
  '@gitbeaker/rest': { file: 'gitbeaker', from: '../../packages/sources' },
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  logLevel: 'warning',
}

/**
 * Swaps each vendor package for a shim that `require`s its side file. A plain external dynamic
 * `import()` of a CJS file would only expose `default`; through `require`, named exports work.
 */
const vendorPlugin = {
  name: 'clef-vendor',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(VENDORS).map((k) => k.replace(/[/.]/g, '\\$&')).join('|')})$`)
    b.onResolve({ filter }, (a) => ({ path: a.path, namespace: 'clef-vendor' }))
    b.onLoad({ filter: /.*/, namespace: 'clef-vendor' }, (a) => ({
      contents: `module.exports = require(${JSON.stringify(`./vendor/${VENDORS[a.path].file}.cjs`)})`,
      loader: 'js',
    }))
    b.onResolve({ filter: /^\.\/vendor\// }, (a) => ({ path: a.path, external: true }))
  },
}

await rm(dist, { recursive: true, force: true })
const outfile = `${dist}clef-agent.cjs`
await build({
  ...common,
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
  outfile,
  sourcemap: 'linked',
  plugins: [vendorPlugin],
  // import.meta.url has no CJS meaning: point it at the bundle itself.
  define: { 'import.meta.url': '__clef_import_meta_url' },
  banner: { js: "#!/usr/bin/env node\nconst __clef_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
})
await chmod(outfile, 0o755)

for (const [pkg, { file, from }] of Object.entries(VENDORS)) {
  await build({
    ...common,
    stdin: { contents: `module.exports = require(${JSON.stringify(pkg)})`, resolveDir: new URL(from, import.meta.url).pathname },
    outfile: `${dist}vendor/${file}.cjs`,
  })
}
