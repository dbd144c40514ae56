// Lambda extension start-up: process spawn → registered with the Extensions API and serving the
// age-basic vector, against the fake Lambda API in this process. Median of N for the layer's single
// executable and for the node bundle. Prints figures; asserts nothing.
// Needs `pnpm --filter lambda-extension package` first (for the binary). Flags: --n=10
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, importWorkspace, median } from './lib.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const app = join(root, 'apps/lambda-extension')
const N = Number((process.argv.find((a) => a.startsWith('--n=')) ?? '--n=10').slice(4))
const TOKEN = 'bench-token-0123456789abcdefghij'
const basic = JSON.parse(readFileSync(join(root, 'test/vectors/index.json'), 'utf8')).vectors.find(
  (v) => v.name === 'age-basic',
)

// The fake lives in TypeScript in packages/testing.
const loadFake = () => importWorkspace('testing')

const serving = async (port) => {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/secrets`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    const body = await res.json()
    return res.status === 200 && body.app?.API_KEY === basic.expect.values.app.API_KEY
  } catch {
    return false
  }
}

/** One cold start; resolves { registeredMs, servingMs } from spawn. */
const once = async (startFakeLambda, command, args) => {
  const lambda = await startFakeLambda()
  const port = await freePort()
  const t0 = performance.now()
  const proc = spawn(command, args, {
    env: {
      PATH: process.env.PATH,
      AWS_LAMBDA_RUNTIME_API: lambda.runtimeApi,
      CLEF_AGENT_SOURCE: join(root, 'test/vectors', basic.file),
      CLEF_AGENT_AGE_KEY: basic.ageKey,
      CLEF_AGENT_TOKEN: TOKEN,
      CLEF_AGENT_PORT: String(port),
      CLEF_AGENT_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  // The API listens before the load ends and holds requests until it ends: poll for the answer.
  while (!(await serving(port))) {
    if (proc.exitCode !== null) throw new Error(`extension exited ${proc.exitCode}`)
    if (performance.now() - t0 > 10_000) throw new Error('not serving after 10 s')
    await new Promise((r) => setTimeout(r, 1))
  }
  const servingMs = performance.now() - t0
  await lambda.initDone()
  const registeredMs = lambda.extensions[0].registeredAt - t0
  const exited = new Promise((r) => proc.once('exit', r))
  lambda.shutdown()
  await exited
  await lambda.close()
  return { registeredMs, servingMs: Math.max(servingMs, registeredMs) }
}

// The floor on this machine: a bare node process that registers and serves the same bytes.
const CEILING = `
const http = require('node:http')
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':')
const body = JSON.stringify(${JSON.stringify(basic.expect.values)})
http.createServer((q, s) => s.end(body)).listen(+process.env.CLEF_AGENT_PORT, '127.0.0.1')
const call = (method, path, headers) => new Promise((resolve) => {
  const req = http.request({ host, port, method, path: '/2020-01-01/extension/' + path, headers }, (res) => {
    res.resume(); res.on('end', () => resolve(res.headers['lambda-extension-identifier']))
  })
  req.end(method === 'POST' ? '{"events":["INVOKE","SHUTDOWN"]}' : undefined)
})
call('POST', 'register', { 'Lambda-Extension-Name': 'ceiling' }).then(async (id) => {
  for (;;) if ((await new Promise((r) => http.get({ host, port, path: '/2020-01-01/extension/event/next', headers: { 'Lambda-Extension-Identifier': id } }, (res) => { let t = ''; res.on('data', (d) => (t += d)); res.on('end', () => r(t)) }))).includes('SHUTDOWN')) process.exit(0)
})`

const { startFakeLambda } = await loadFake()
const variants = [
  ['ceiling: bare node, register + constant bytes', process.execPath, ['-e', CEILING]],
  ['node bundle', process.execPath, [join(app, 'dist/clef-agent-lambda.cjs')]],
  ['single executable', join(app, 'dist/clef-agent-lambda'), []],
]
const rows = []
for (const [name, command, args] of variants) {
  if (!existsSync(args[0] === '-e' ? command : (args[0] ?? command))) {
    rows.push(`| ${name} | missing: run pnpm --filter lambda-extension package | | |`)
    continue
  }
  await once(startFakeLambda, command, args) // warm the page cache
  const runs = []
  for (let i = 0; i < N; i++) runs.push(await once(startFakeLambda, command, args))
  const m = (k) => median(runs.map((r) => r[k])).toFixed(1)
  const max = Math.max(...runs.map((r) => r.servingMs)).toFixed(1)
  rows.push(`| ${name} | ${m('registeredMs')} ms | ${m('servingMs')} ms | ${max} ms |`)
}
console.log(
  [
    `Lambda extension start → registered and serving age-basic (median of ${N}; target ≤ 150 ms)`,
    '',
    '| variant | spawn → registered | spawn → registered and serving | slowest |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `Node ${process.versions.node}, ${new Date().toISOString()}`,
  ].join('\n'),
)
