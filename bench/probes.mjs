// `node bench/probes.mjs`: what a kubelet sees while the agent is busy. The agent in JIT mode
// (every secrets request decrypts) is driven by autocannon with 50 clients on /v1/secrets; at the
// same time a prober in its own process (bench/prober.mjs, as a kubelet is) asks /v1/health,
// /v1/ready and /v1/metrics in turn every 20 ms and records each answer's latency. Then the agent
// idles and its RSS is read each second until it has stayed within 20 MiB of its pre-load level for
// 5 s, or 60 s have passed.
// Artifacts: the 5,000-key vector and a 100,000-key artifact packed here with a fresh age key.
// Prints figures and writes bench/results/probes.md; asserts nothing.
// Flags: --seconds=N (load per artifact, default 15), --idle=N (seconds of idle watched, default 60),
// --only=5000,100000, --cpu-prof=DIR (the agent writes CPU profiles there)
import { fork } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, load, memoryMiB, spawnReady, stop } from './lib.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const AGENT = join(root, 'apps/daemon/dist/clef-agent.cjs')
const TOKEN = 'bench-token-0123456789abcdefghij'
const args = process.argv.slice(2)
const flag = (name, dflt) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const SECONDS = Number(flag('seconds', '15'))
const IDLE_S = Number(flag('idle', '60'))
const only = flag('only', '5000,100000').split(',')
// --cpu-prof=DIR: the agent writes a CPU profile (main thread and workers) there when it stops.
const PROF_DIR = flag('cpu-prof', undefined)
const tmp = mkdtempSync(join(tmpdir(), 'clef-bench-probes-'))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a')

/** An artifact of `keys` 64-byte values in 10 namespaces, packed as Clef does (age, canonical JSON). */
const packLarge = async (keys) => {
  const age = createRequire(join(root, 'packages/decrypt/package.json'))('age-encryption')
  const identity = await age.generateX25519Identity()
  const values = {}
  for (let i = 0; i < keys; i++) {
    const ns = `service-${String(i % 10).padStart(2, '0')}`
    values[ns] ??= {}
    values[ns][`KEY_${String(i).padStart(6, '0')}`] = createHash('sha512')
      .update(String(i))
      .digest('base64')
      .slice(0, 64)
  }
  const e = new age.Encrypter()
  e.addRecipient(await age.identityToRecipient(identity))
  const ciphertext = Buffer.from(await e.encrypt(JSON.stringify(values))).toString('base64')
  const now = Date.now()
  const artifact = {
    version: 1,
    identity: 'bench',
    environment: 'production',
    packedAt: new Date(now).toISOString(),
    revision: `${now}-0badcafe`,
    ciphertextHash: createHash('sha256').update(ciphertext, 'utf8').digest('hex'),
    ciphertext,
  }
  const file = join(tmp, `large-${keys}.json`)
  writeFileSync(file, JSON.stringify(artifact, null, 2))
  return { file, ageKey: identity }
}

const vectorArtifact = (name) => {
  const v = JSON.parse(readFileSync(join(root, 'test/vectors/index.json'), 'utf8')).vectors.find(
    (x) => x.name === name,
  )
  return { file: join(root, 'test/vectors', v.file), ageKey: v.ageKey }
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]
}

/**
 * Starts the prober (bench/prober.mjs) in its own process, as a kubelet is; `stop()` resolves
 * the latencies per path.
 */
const startProber = (port) => {
  const child = fork(join(root, 'bench/prober.mjs'), [String(port)], { serialization: 'advanced' })
  const result = new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (code) => reject(new Error(`prober exited ${code} before answering`)))
  })
  return {
    stop: () => {
      child.send('stop')
      return result
    },
  }
}

/**
 * RSS every second of idle for up to IDLE_S s; stops early once it has stayed within 20 MiB of
 * `before` (the target) for 5 s. `seconds` is how long it watched.
 */
const idleRss = async (pid, before) => {
  const samples = []
  for (let s = 0; s <= IDLE_S; s++) {
    samples.push(memoryMiB(pid).rss)
    if (samples.length >= 5 && samples.slice(-5).every((x) => x - before <= 20)) break
    await sleep(1000)
  }
  return { after: samples.at(-1), seconds: samples.length - 1 }
}

const rows = []
for (const keys of only) {
  const art = keys === '5000' ? vectorArtifact('large-5000-keys') : await packLarge(Number(keys))
  const port = await freePort()
  const { proc } = await spawnReady({
    args: [...(PROF_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`]), AGENT],
    port,
    env: {
      CLEF_AGENT_SOURCE: art.file,
      CLEF_AGENT_AGE_KEY: art.ageKey,
      CLEF_AGENT_TOKEN: TOKEN,
      CLEF_AGENT_CACHE_TTL: '0',
      CLEF_AGENT_PORT: String(port),
      CLEF_AGENT_LOG_LEVEL: 'warn',
    },
    timeoutMs: 60_000,
  })
  try {
    const before = memoryMiB(proc.pid).rss
    let peak = before
    const watch = setInterval(() => (peak = Math.max(peak, memoryMiB(proc.pid).rss)), 250)
    const prober = startProber(port)
    const r = await load({ port, path: '/v1/secrets', token: TOKEN, connections: 50, seconds: SECONDS })
    const underLoad = memoryMiB(proc.pid).rss
    // The machine's 1-minute load average at the end of the load: figures from a shared machine
    // are only comparable with it.
    const load1 = loadavg()[0]
    clearInterval(watch)
    const lat = await prober.stop()
    const idle = await idleRss(proc.pid, before)
    const all = Object.values(lat).flat()
    rows.push({ keys, r, lat, all, before, underLoad, peak, idle, load1 })
    console.log(
      `JIT ${keys} keys c=50: ${fmt(r.rps)} req/s, p99 ${r.p99} ms, errors ${r.errors}, non-2xx ${r.non2xx}; ` +
        `probes p99 ${fmt(percentile(all, 0.99), 1)} ms (max ${fmt(Math.max(...all), 1)}, n=${all.length}); ` +
        `RSS ${fmt(before, 1)} → ${fmt(underLoad, 1)} (peak ${fmt(peak, 1)}) → ${fmt(idle.after, 1)} MiB after ${idle.seconds} s idle; load average ${fmt(load1, 2)}`,
    )
  } finally {
    await stop(proc)
  }
}

const table = [
  '| artifact | JIT req/s c=50 | p99 ms | health p99 ms | ready p99 ms | metrics p99 ms | probes max ms | RSS before / under load / peak MiB | RSS after idle MiB (s) | load avg |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    ({ keys, r, lat, all, before, underLoad, peak, idle, load1 }) =>
      `| ${keys} keys | ${fmt(r.rps)} | ${r.p99} | ${fmt(percentile(lat['/v1/health'], 0.99), 1)} | ${fmt(percentile(lat['/v1/ready'], 0.99), 1)} | ${fmt(percentile(lat['/v1/metrics'], 0.99), 1)} | ${fmt(Math.max(...all), 1)} | ${fmt(before, 1)} / ${fmt(underLoad, 1)} / ${fmt(peak, 1)} | ${fmt(idle.after, 1)} (${idle.seconds}) | ${fmt(load1, 2)} |`,
  ),
]
const header = `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ${new Date().toISOString()}; ${SECONDS} s of load per artifact`
console.log(`\n${header}\n\n${table.join('\n')}`)
mkdirSync(join(root, 'bench/results'), { recursive: true })
writeFileSync(join(root, 'bench/results/probes.md'), `${header}\n\n${table.join('\n')}\n`)
