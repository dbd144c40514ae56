// Bundles the daemon into one CommonJS file (every dependency included, age-encryption too), so
// `node dist/clef-agent.cjs` starts by reading a single file and the SEA build can embed it.
import { build } from 'esbuild'
import { chmod } from 'node:fs/promises'

const outfile = new URL('./dist/clef-agent.cjs', import.meta.url).pathname
await build({
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
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
  banner: { js: "#!/usr/bin/env node\nconst __clef_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
})
await chmod(outfile, 0o755)
