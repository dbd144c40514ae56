// The npm package `@clef-sh/agent`: the daemon's bundle as it is built (apps/daemon/dist), so that
// `npm install @clef-sh/agent` then `npx clef-agent` runs the same agent with nothing else
// installed. The bundle is self-contained; the SDKs only some sources use come along as its
// vendor/*.cjs files (loaded on first use), with their licence notices. No source maps: they
// point into this repository.
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const from = here('../daemon/dist')
const to = here('./dist')

const shipped = (name) => name.endsWith('.cjs') || name.endsWith('.LEGAL.txt')

await rm(to, { recursive: true, force: true })
for (const dir of ['', 'vendor']) {
  await mkdir(join(to, dir), { recursive: true })
  for (const entry of await readdir(join(from, dir), { withFileTypes: true })) {
    if (entry.isFile() && shipped(entry.name))
      await copyFile(join(from, dir, entry.name), join(to, dir, entry.name))
  }
}
