// `pnpm bench`: the agent against a bare node:http ceiling on this machine, interleaved in
// rounds, medians reported as ratios. Prints figures; asserts nothing.
// Flags: --quick (fewer, shorter rounds), --only=throughput,jit,kms,startup,idle
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  cpuSeconds,
  freePort,
  importWorkspace,
  load,
  median,
  memoryMiB,
  report,
  spawnReady,
  stop,
} from './lib.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const AGENT = join(root, 'apps/daemon/dist/clef-agent.cjs')
const CEILING = join(root, 'bench/ceiling.mjs')
const TOKEN = 'bench-token-0123456789abcdefghij'
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = (args.find((a) => a.startsWith('--only=')) ?? '--only=throughput,jit,kms,startup,idle')
  .slice(7)
  .split(',')
const ROUNDS = quick ? 1 : 3
const SECONDS = quick ? 2 : 7
const vectors = JSON.parse(readFileSync(join(root, 'test/vectors/index.json'), 'utf8')).vectors
const vec = (name) => vectors.find((v) => v.name === name)
const loadAtStart = loadavg()[0]
const tmp = mkdtempSync(join(tmpdir(), 'clef-bench-'))
const rows = []
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a')

const agentEnv = (v, ttl = '300') => ({
  CLEF_AGENT_SOURCE: join(root, 'test/vectors', v.file),
  ...(v.ageKey === null ? {} : { CLEF_AGENT_AGE_KEY: v.ageKey }),
  CLEF_AGENT_TOKEN: TOKEN,
  CLEF_AGENT_CACHE_TTL: ttl,
  CLEF_AGENT_LOG_LEVEL: 'warn',
})

const firstKey = (name) => {
  const [ns, kv] = Object.entries(vec(name).expect.values)[0]
  return `${ns}__${Object.keys(kv)[0]}`
}

const startAgent = async (v, ttl, extraEnv = {}) => {
  const port = await freePort()
  return spawnReady({
    args: [AGENT],
    env: { ...agentEnv(v, ttl), CLEF_AGENT_PORT: String(port), ...extraEnv },
    port,
  })
}

/** The fake KMS of packages/testing (AWS JSON 1.1), from the workspace sources, started here. */
const startKms = async () => (await importWorkspace('testing')).startFakeKms()

const startCeiling = async (bodyFile) => {
  const port = await freePort()
  return spawnReady({ args: [CEILING, String(port), TOKEN, bodyFile], port })
}

async function throughput(name, { connections = 10, path = '/v1/secrets', ttl = '300', env = {} } = {}) {
  const v = vec(name)
  const agent = await startAgent(v, ttl, env)
  const res = await fetch(`http://127.0.0.1:${agent.port}${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  })
  const bodyFile = join(tmp, `${name}.body`)
  writeFileSync(bodyFile, Buffer.from(await res.arrayBuffer()))
  const ceiling = await startCeiling(bodyFile)
  const runs = { agent: [], ceiling: [] }
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['ceiling', 'agent'] : ['agent', 'ceiling']
    for (const who of order) {
      const port = who === 'agent' ? agent.port : ceiling.port
      runs[who].push(await load({ port, path, token: TOKEN, connections, seconds: SECONDS }))
    }
  }
  const mem = memoryMiB(agent.proc.pid)
  await Promise.all([stop(agent.proc), stop(ceiling.proc)])
  const m = (who, k) => median(runs[who].map((x) => x[k]))
  const errors = runs.agent.reduce((n, x) => n + x.errors + x.non2xx, 0)
  rows.push([
    `${ttl === '0' ? 'JIT' : 'cached'} GET ${path} ${name} c=${connections}`,
    `${fmt(m('agent', 'rps'))} / ${fmt(m('ceiling', 'rps'))}`,
    fmt(m('agent', 'rps') / m('ceiling', 'rps'), 2) + '×',
    `${fmt(m('agent', 'p50'), 1)} / ${fmt(m('ceiling', 'p50'), 1)}`,
    `${fmt(m('agent', 'p99'), 1)} / ${fmt(m('ceiling', 'p99'), 1)}`,
    `RSS after ${ROUNDS * SECONDS} s load ${fmt(mem.rss, 1)} MiB, HWM ${fmt(mem.hwm, 1)} MiB${errors ? `, ${errors} errors` : ''}`,
  ])
}

/**
 * Spawn → first 200 on /v1/ready: the ceiling, the agent as it starts once it has its V8 code cache
 * (every start after the first, for a given build and Node) and the agent with the cache off (the
 * very first start), in rounds whose order alternates. The agent's cache goes to a HOME of the
 * bench's own, primed by one start that runs long enough to write it.
 */
async function startup(name = 'age-basic', n = quick ? 3 : 15) {
  const v = vec(name)
  const bodyFile = join(tmp, 'ready.body')
  writeFileSync(bodyFile, '{}')
  const home = join(tmp, 'home')
  mkdirSync(home, { mode: 0o700 })
  const warm = await startAgent(v, '300', { HOME: home })
  await new Promise((r) => setTimeout(r, 1500))
  await stop(warm.proc)
  const runs = { ceiling: [], cached: [], cold: [] }
  const rss = { cached: [], cold: [] }
  const starts = {
    ceiling: () => startCeiling(bodyFile),
    cached: () => startAgent(v, '300', { HOME: home }),
    cold: () => startAgent(v, '300', { HOME: home, NODE_DISABLE_COMPILE_CACHE: '1' }),
  }
  for (let i = 0; i < n; i++) {
    const order = i % 2 === 0 ? ['ceiling', 'cached', 'cold'] : ['cold', 'cached', 'ceiling']
    for (const who of order) {
      const s = await starts[who]()
      runs[who].push(s)
      if (who !== 'ceiling') {
        await new Promise((r) => setTimeout(r, 200))
        rss[who].push(memoryMiB(s.proc.pid).rss)
      }
      await stop(s.proc)
    }
  }
  const ms = (who) => median(runs[who].map((r) => r.readyMs))
  const cpu = (who) => median(runs[who].map((r) => r.cpuMs))
  for (const who of ['cached', 'cold']) {
    rows.push([
      `spawn → ready ${name}, ${who === 'cached' ? 'with code cache' : 'first start (no code cache)'} (median of ${n})`,
      `${fmt(ms(who), 1)} ms / ${fmt(ms('ceiling'), 1)} ms`,
      fmt(ms(who) / ms('ceiling'), 2) + '×',
      '',
      '',
      `CPU to ready ${fmt(cpu(who), 1)} / ${fmt(cpu('ceiling'), 1)} ms (${fmt(cpu(who) / cpu('ceiling'), 2)}×); RSS after ready ${fmt(median(rss[who]), 1)} MiB`,
    ])
  }
}

async function idle(name = 'expires-2099', seconds = quick ? 10 : 30) {
  const a = await startAgent(vec(name))
  await new Promise((r) => setTimeout(r, 1000))
  const c0 = cpuSeconds(a.proc.pid)
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const used = cpuSeconds(a.proc.pid) - c0
  await stop(a.proc)
  rows.push([
    `idle CPU ${name} over ${seconds} s`,
    `${fmt(used, 2)} s CPU`,
    `${fmt((used / seconds) * 100, 2)} %`,
    '',
    '',
    '',
  ])
}

if (only.includes('throughput')) {
  await throughput('age-basic')
  await throughput('large-5000-keys')
  await throughput('age-basic', { connections: 50 })
  await throughput('large-5000-keys', { connections: 50 })
  await throughput('age-basic', { path: '/v1/secrets/app__API_KEY' })
  await throughput('large-5000-keys', { path: `/v1/secrets/${firstKey('large-5000-keys')}` })
}
if (only.includes('jit')) {
  await throughput('age-basic', { ttl: '0' })
  await throughput('large-5000-keys', { ttl: '0' })
}
if (only.includes('kms')) {
  const kms = await startKms()
  const env = {
    AWS_ENDPOINT_URL_KMS: kms.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
  await throughput('kms-aws-envelope', { env })
  await throughput('kms-aws-envelope', { env, ttl: '0' })
  rows.push([
    '(KMS Decrypt calls served by the local fake KMS)',
    String(kms.stats.decryptCalls),
    '',
    '',
    '',
    '',
  ])
  await kms.close()
}
if (only.includes('startup')) await startup()
if (only.includes('idle')) await idle()

const header = [
  'benchmark',
  'agent / ceiling',
  'ratio',
  'p50 ms agent / ceiling',
  'p99 ms agent / ceiling',
  'notes',
]
const { table, machine } = report(header, rows)
const loadNote = `load average ${fmt(loadAtStart, 2)} at start, ${fmt(loadavg()[0], 2)} at end`
const out = `${table}\n\nMachine: ${machine}; ${loadNote}; ${ROUNDS} round(s) of ${SECONDS} s, interleaved.\n`
console.log(out)
mkdirSync(join(root, 'bench/results'), { recursive: true })
writeFileSync(join(root, 'bench/results/latest.md'), out)
