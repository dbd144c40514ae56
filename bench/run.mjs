// `pnpm bench`: the agent against a bare node:http ceiling on this machine, interleaved in
// rounds, medians reported as ratios. Prints figures; asserts nothing.
// Flags: --quick (fewer, shorter rounds), --only=throughput,jit,kms,startup,idle
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
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

async function startup(name = 'age-basic', n = quick ? 3 : 10) {
  const v = vec(name)
  const bodyFile = join(tmp, 'ready.body')
  writeFileSync(bodyFile, '{}')
  const agent = { ms: [], cpu: [] }
  const ceiling = { ms: [], cpu: [] }
  const rss = []
  for (let i = 0; i < n; i++) {
    const c = await startCeiling(bodyFile)
    ceiling.ms.push(c.readyMs)
    ceiling.cpu.push(c.cpuMs)
    await stop(c.proc)
    const a = await startAgent(v)
    agent.ms.push(a.readyMs)
    agent.cpu.push(a.cpuMs)
    await new Promise((r) => setTimeout(r, 200))
    rss.push(memoryMiB(a.proc.pid).rss)
    await stop(a.proc)
  }
  rows.push([
    `spawn → ready ${name} (median of ${n})`,
    `${fmt(median(agent.ms), 1)} ms / ${fmt(median(ceiling.ms), 1)} ms`,
    fmt(median(agent.ms) / median(ceiling.ms), 2) + '×',
    '',
    '',
    `CPU to ready ${fmt(median(agent.cpu), 1)} / ${fmt(median(ceiling.cpu), 1)} ms (${fmt(median(agent.cpu) / median(ceiling.cpu), 2)}×); RSS after ready ${fmt(median(rss), 1)} MiB`,
  ])
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
const out = `${table}\n\nMachine: ${machine}; ${ROUNDS} round(s) of ${SECONDS} s, interleaved.\n`
console.log(out)
mkdirSync(join(root, 'bench/results'), { recursive: true })
writeFileSync(join(root, 'bench/results/latest.md'), out)
