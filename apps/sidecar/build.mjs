// Bundles the sidecar image's entry into `dist/clef-agent.cjs`; `--sea` also writes the single
// executable `dist/clef-agent` that docker/Dockerfile ships on a distroless base.
import { fileURLToPath } from 'node:url'
import { buildSea, bundle } from '@clef-sh/shell/bundle'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const outfile = here('./dist/clef-agent.cjs')
await bundle({ entry: here('./src/main.ts'), outfile })
if (process.argv.includes('--sea'))
  await buildSea({ entry: here('./src/main.ts'), output: here('./dist/clef-agent') })
