// Builds one public package (run from its directory) into what npm consumers load: dist/index.js
// (ESM), dist/index.cjs (CommonJS), dist/*.d.ts for `import` and dist/cjs/*.d.ts for `require`.
// Workspace dependencies stay external imports. Declarations come from ts.transpileDeclaration,
// file by file: isolatedDeclarations makes that exact and it skips a type-check of the workspace.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'

const root = process.cwd()
const require = createRequire(join(root, 'package.json'))
const { build } = require('esbuild')
const ts = require('typescript')
const entry = resolve(root, 'src/index.ts')
const dist = join(root, 'dist')

const bundle = (format, outfile, metafile = false) =>
  build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: false,
    logLevel: 'warning',
    metafile,
  })

// `./x.ts` → `./x.js` in declarations, the name the emitted module goes by.
const rewriteSpecifiers = (text) =>
  text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2')

// Declares `file` and returns the relative modules its declarations import: type-only imports are
// erased from the bundle, so the metafile alone misses them.
const declare = async (file) => {
  const source = await readFile(file, 'utf8')
  const out = ts.transpileDeclaration(source, {
    fileName: file,
    compilerOptions: {
      allowImportingTsExtensions: true,
      resolveJsonModule: true,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    },
    reportDiagnostics: true,
  })
  if (out.diagnostics?.length) {
    const text = ts.formatDiagnostics(out.diagnostics, ts.createCompilerHost({}))
    throw new Error(`declarations of ${relative(root, file)}:\n${text}`)
  }
  const name = relative(join(root, 'src'), file).replace(/\.ts$/, '.d.ts')
  const text = rewriteSpecifiers(out.outputText)
  for (const dir of [dist, join(dist, 'cjs')]) {
    await mkdir(dirname(join(dir, name)), { recursive: true })
    await writeFile(join(dir, name), text)
  }
  return [...out.outputText.matchAll(/(?:from\s+|import\()['"](\.{1,2}\/[^'"]+\.ts)['"]/g)].map((m) =>
    resolve(dirname(file), m[1]),
  )
}

const declareAll = async (files) => {
  const done = new Set()
  let next = files
  while (next.length > 0) {
    for (const file of next) done.add(file)
    const found = (await Promise.all(next.map(declare))).flat()
    next = [...new Set(found)].filter((file) => !done.has(file))
  }
}

await rm(dist, { recursive: true, force: true })
const [esm] = await Promise.all([
  bundle('esm', join(dist, 'index.js'), true),
  bundle('cjs', join(dist, 'index.cjs')),
])
const sources = Object.keys(esm.metafile.inputs)
  .map((input) => resolve(input))
  .filter((file) => file.startsWith(join(root, 'src')) && file.endsWith('.ts'))
await declareAll(sources)
// Under dist/cjs the same declarations read as CommonJS, which is what a `require` caller gets.
await writeFile(join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n')
