#!/usr/bin/env node
// The workspace's `clef-agent` command: runs the bundle `pnpm build` writes. A committed file, so
// that `pnpm install` can link the command before anything is built.
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const bundle = join(__dirname, '../dist/clef-agent.cjs')
if (!existsSync(bundle)) {
  process.stderr.write('clef-agent: not built yet; run `pnpm build` at the repository root\n')
  process.exit(1)
}
require(bundle)
