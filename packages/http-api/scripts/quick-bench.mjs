// Quick throughput check of GET /v1/secrets against a bare node:http ceiling (not a test, not CI).
// From the repository root: node packages/http-api/scripts/quick-bench.mjs [seconds] [kinds=bare,hono,serve]
// The script bundles the package's TypeScript itself with the package's own esbuild (a dev
// dependency) into the system temp directory, so it needs no build step and no fixed paths.
import { spawn } from 'node:child_process'
import { createHash, timingSafeEqual } from 'node:crypto'
import { rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
const TOKEN = 'bench-token-0123456789abcdef'
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const BUNDLE = process.env.HTTP_API_BUNDLE ?? join(tmpdir(), `clef-http-api-quick-bench-${process.pid}.mjs`)

/** Bundles the package's entry (plus the Hono node adapter the 'hono' kind needs) to BUNDLE. */
const bundle = async () => {
  await require('esbuild').build({
    stdin: {
      contents:
        "export * from './src/index.ts'; export { createApp } from './src/app.ts'; export { getRequestListener } from '@hono/node-server'",
      resolveDir: PACKAGE_DIR,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: BUNDLE,
    logLevel: 'warning',
  })
}

const makeValues = (size) => {
  if (size === 'small') return { app: { DB_URL: 'postgres://x', API_KEY: 'k-123' }, other: { FLAG: 'on' } }
  const values = {}
  for (let n = 0; n < 10; n++) {
    const ns = (values[`ns${n}`] = {})
    for (let k = 0; k < 500; k++) ns[`KEY_${k}`] = 'v'.repeat(40) + k
  }
  return values
}

const reader = (secrets) => ({
  health: () => ({
    status: 'ok',
    state: 'ok',
    mode: 'cached',
    revision: secrets.revision,
    lastRefreshAt: null,
    lastRefreshTime: null,
    expired: false,
    lastError: null,
  }),
  ready: () => ({ ready: true }),
  secrets: () => secrets,
  refresh: async () => ({ revision: secrets.revision }),
  metrics: () => '',
})

const serveBare = (body) => {
  const expected = createHash('sha256').update(TOKEN).digest()
  const ok = (auth) =>
    auth !== undefined &&
    auth.startsWith('Bearer ') &&
    timingSafeEqual(createHash('sha256').update(auth.slice(7)).digest(), expected)
  return createServer((req, res) => {
    if (!ok(req.headers.authorization)) {
      res.writeHead(401)
      return res.end()
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'content-length': body.byteLength,
    })
    res.end(body)
  })
}

const serveChild = async (kind, size) => {
  const api = await import(pathToFileURL(BUNDLE).href)
  const secrets = api.createServedSecrets('1-abc', makeValues(size))
  if (kind === 'serve') {
    const running = await api.serveApi(reader(secrets), { token: TOKEN, port: 0 })
    return process.send(running.port)
  }
  const server =
    kind === 'bare'
      ? serveBare(secrets.allBody)
      : createServer(api.getRequestListener(api.createApp(reader(secrets), { token: TOKEN, port: 0 }).fetch))
  server.listen(0, '127.0.0.1', () => process.send(server.address().port))
}

const runOne = async (kind, size, seconds) => {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', kind, size], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, HTTP_API_BUNDLE: BUNDLE },
  })
  const port = await new Promise((resolve) => child.once('message', resolve))
  const autocannon = require('autocannon')
  // Host as the real clients send it; port 0 apps accept `127.0.0.1` without a port.
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/secrets`,
    connections: 10,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}`, host: kind === 'hono' ? '127.0.0.1' : `127.0.0.1:${port}` },
  })
  child.kill()
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${kind}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return { rps: result.requests.average, p99: result.latency.p99 }
}

const main = async () => {
  await bundle()
  const seconds = Number(process.argv[2] ?? 5)
  const kinds = (process.argv[3] ?? 'bare,hono,serve').split(',')
  for (const size of (process.env.SIZES ?? 'small,large').split(',')) {
    const rows = Object.fromEntries(kinds.map((k) => [k, []]))
    await runOne(kinds[0], size, 2) // warms up autocannon itself, which shares the machine
    // Interleaved, order rotated each round, medians: the machine is shared and noisy.
    for (let round = 0; round < ROUNDS; round++) {
      const order = kinds.map((_, i) => kinds[(i + round) % kinds.length])
      for (const kind of order) rows[kind].push(await runOne(kind, size, seconds))
    }
    const avg = (xs, f) => xs.map(f).sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    const bare = rows.bare ?? rows[kinds[0]]
    for (const kind of kinds) {
      const rps = avg(rows[kind], (r) => r.rps)
      const p99 = avg(rows[kind], (r) => r.p99)
      const ratio = (rps / avg(bare, (r) => r.rps)).toFixed(2)
      const p99x = (p99 / avg(bare, (r) => r.p99)).toFixed(2)
      console.log(
        `${size.padEnd(5)} ${kind.padEnd(5)} ${rps.toFixed(0).padStart(7)} req/s (${ratio}x)  p99 ${p99.toFixed(1)} ms (${p99x}x)`,
      )
    }
  }
}

if (process.argv[2] === '--serve') await serveChild(process.argv[3], process.argv[4])
else {
  try {
    await main()
  } finally {
    if (process.env.HTTP_API_BUNDLE === undefined) rmSync(BUNDLE, { force: true })
  }
}
