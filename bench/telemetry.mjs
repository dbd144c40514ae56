// `node bench/telemetry.mjs`: does telemetry cost the serving path anything? Cached GET /v1/secrets
// requests/s and p99 with telemetry off, to a black-holed collector (accepts, never answers) and to
// a refused port, plus the request-metrics hook off. One agent per setup, rounds interleaved in a
// rotating order; a side load of POST /v1/refresh against a tampered artifact makes each agent emit
// ~20 artifact.invalid events/s, so the exporter is busy (and its buffer overflows) during the load.
// Prints figures; asserts nothing. Flags: --quick (3 rounds), --rounds=N (20), --seconds=N (1),
// --agent=<bundle.cjs> (default: bench/telemetry-agent.mjs from this checkout, run with tsx).
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuSeconds, freePort, load, median, memoryMiB, report, spawnReady, stop } from './lib.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const flag = (name, fallback) =>
  Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
// Many short rounds: on a shared machine, bursts of foreign load then hit every setup alike.
const ROUNDS = flag('rounds', quick ? 3 : 20)
const SECONDS = flag('seconds', 1)
const TOKEN = 'bench-token-0123456789abcdefghij'
const tmp = mkdtempSync(join(tmpdir(), 'clef-bench-tel-'))
const vectors = JSON.parse(readFileSync(join(root, 'test/vectors/index.json'), 'utf8')).vectors
const vec = (name) => vectors.find((v) => v.name === name)
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a')

// The agent: a given bundle, or bench/telemetry-agent.mjs run from this checkout's sources by tsx.
const agentFile = args.find((a) => a.startsWith('--agent='))?.slice(8)
const agentArgs =
  agentFile === undefined
    ? ['--import', import.meta.resolve('tsx'), join(root, 'bench/telemetry-agent.mjs')]
    : [agentFile]

// A collector that accepts every connection and never answers.
const sockets = new Set()
const blackhole = createServer((s) => {
  sockets.add(s)
  s.on('error', () => {})
  s.on('close', () => sockets.delete(s))
})
await new Promise((r) => blackhole.listen(0, '127.0.0.1', r))
const refusedPort = await freePort()

const SETUPS = [
  { name: 'telemetry off', env: {} },
  {
    name: 'black-holed collector',
    env: { CLEF_AGENT_TELEMETRY_URL: `http://127.0.0.1:${blackhole.address().port}` },
  },
  { name: 'refused collector', env: { CLEF_AGENT_TELEMETRY_URL: `http://127.0.0.1:${refusedPort}` } },
  { name: 'telemetry off, no request hook', env: { BENCH_NO_HOOK: '1' } },
]

const start = async (setup, i) => {
  const v = vec('age-basic')
  const artifact = join(tmp, `artifact-${i}.json`)
  copyFileSync(join(root, 'test/vectors', v.file), artifact)
  const port = await freePort()
  const env = {
    CLEF_AGENT_SOURCE: artifact,
    CLEF_AGENT_AGE_KEY: v.ageKey,
    CLEF_AGENT_TOKEN: TOKEN,
    CLEF_AGENT_CACHE_TTL: '300',
    CLEF_AGENT_PORT: String(port),
    CLEF_AGENT_LOG_LEVEL: 'error',
    ...setup.env,
  }
  const agent = await spawnReady({ args: agentArgs, env, port })
  // From now on every refresh fails the integrity check: the good secrets stay served.
  copyFileSync(join(root, 'test/vectors', vec('ciphertext-tampered').file), artifact)
  return { ...setup, ...agent, runs: [] }
}

const sideLoad = (agents) => {
  const timer = setInterval(() => {
    for (const a of agents) {
      fetch(`http://127.0.0.1:${a.port}/v1/refresh`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      }).then(
        (r) => r.arrayBuffer(),
        () => {},
      )
    }
  }, 50)
  return () => clearInterval(timer)
}

const scrape = async (port) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/v1/metrics`)).text()
  const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
  const requests = [...text.matchAll(/^clef_agent_http_requests_total\{[^}]*\} (\d+)$/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  )
  return {
    dropped: value('clef_agent_telemetry_dropped_total'),
    failures: value('clef_agent_telemetry_export_failures_total'),
    requests,
  }
}

const agents = []
for (const [i, setup] of SETUPS.entries()) agents.push(await start(setup, i))
const stopSide = sideLoad(agents)
// Warm-up (JIT, sockets), discarded.
for (const a of agents)
  await load({ port: a.port, path: '/v1/secrets', token: TOKEN, connections: 10, seconds: 1 })
for (let r = 0; r < ROUNDS; r++) {
  const order = agents.map((_, i) => agents[(i + r) % agents.length])
  for (const a of order) {
    // CPU time per request is steadier than req/s on a shared machine: contention slows both
    // setups' clocks, not their work.
    const cpu0 = cpuSeconds(a.proc.pid)
    const run = await load({
      port: a.port,
      path: '/v1/secrets',
      token: TOKEN,
      connections: 10,
      seconds: SECONDS,
    })
    a.runs.push({ ...run, cpuUs: ((cpuSeconds(a.proc.pid) - cpu0) * 1e6) / (run.rps * SECONDS) })
  }
}
stopSide()

const base = agents[0]
const m = (a, k) => median(a.runs.map((x) => x[k]))
const spread = (a, k) =>
  `${fmt(Math.min(...a.runs.map((x) => x[k])))}–${fmt(Math.max(...a.runs.map((x) => x[k])))}`
const rows = []
for (const a of agents) {
  const stats = await scrape(a.port)
  const mem = memoryMiB(a.proc.pid)
  const errors = a.runs.reduce((n, x) => n + x.errors + x.non2xx, 0)
  rows.push([
    a.name,
    `${fmt(m(a, 'rps'))} (${spread(a, 'rps')})`,
    `${fmt((m(a, 'rps') / m(base, 'rps') - 1) * 100, 1)} %`,
    fmt(m(a, 'p50'), 1),
    `${fmt(m(a, 'p99'), 1)} (${spread(a, 'p99')})`,
    `${fmt((m(a, 'p99') / m(base, 'p99') - 1) * 100, 1)} %`,
    `${fmt(m(a, 'cpuUs'), 1)} (${fmt((m(a, 'cpuUs') / m(base, 'cpuUs') - 1) * 100, 1)} %)`,
    `RSS ${fmt(mem.rss, 1)} MiB; telemetry dropped ${stats.dropped}, failed exports ${stats.failures}; requests counted ${stats.requests}${errors ? `; ${errors} errors` : ''}`,
  ])
}
await Promise.all(agents.map((a) => stop(a.proc)))
for (const s of sockets) s.destroy()
blackhole.close()
rmSync(tmp, { recursive: true, force: true })

const header = [
  'setup',
  'req/s (min–max)',
  'Δ req/s',
  'p50 ms',
  'p99 ms (min–max)',
  'Δ p99',
  'agent CPU µs/req (Δ)',
  'notes',
]
const { table, machine } = report(header, rows)
console.log(
  `${table}\n\nCached GET /v1/secrets (age-basic), 10 connections; ${ROUNDS} round(s) of ${SECONDS} s per setup, interleaved; medians over rounds. Δ against "telemetry off". Side load: POST /v1/refresh every 50 ms per agent (tampered artifact → artifact.invalid). Machine: ${machine}.`,
)
