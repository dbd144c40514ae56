// Builds the `clef-agent` daemon: `dist/clef-agent.cjs` (the node bundle, vendor SDKs beside it).
// `--sea` also builds the Node single executable `dist/clef-agent`; `--sea-only` builds just that.
// The same entry runs as the Lambda extension when Lambda starts it.
import { fileURLToPath } from 'node:url'
import { buildSea, bundle } from '@clef-sh/shell/bundle'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const flags = process.argv.slice(2)
const entry = here('./src/main.ts')
if (!flags.includes('--sea-only')) await bundle({ entry, outfile: here('./dist/clef-agent.cjs') })
if (flags.includes('--sea') || flags.includes('--sea-only')) {
  await buildSea({ entry, output: here('./dist/clef-agent') })
}
