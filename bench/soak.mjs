// Soak: the daemon bundle on a file source rewritten with a new revision every 10 s, under
// 1,000,000 requests at 50 connections, the agent picking each revision up by polling
// (`--short`: 50,000 requests, a revision every 500 ms, each announced with POST /v1/refresh since
// the agent polls at most every 5 s). It passes when no answer is non-2xx,
// every body is exactly one served revision's body (never a mix of two), and RSS grows less than
// 10 % from the first to the last minute of load. The full run is paced at 5,000 requests/s so
// that it lasts over three minutes and its first and last minutes are distinct (unpaced, two
// shared cores serve the million in under a minute: `--rate=0`). Prints figures; asserts nothing
// in CI.
//
//   node bench/soak.mjs [--short] [--requests=N] [--connections=N] [--rate=N] [--rotate-ms=N]
import { randomBytes } from 'node:crypto'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { freePort, importWorkspace, memoryMiB, spawnReady, stop } from './lib.mjs'

const require = createRequire(import.meta.url)
const autocannon = require('autocannon')
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const BUNDLE = join(ROOT, 'apps/daemon/dist/clef-agent.cjs')

const flag = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg === undefined ? fallback : Number(arg.split('=')[1])
}
const SHORT = process.argv.includes('--short')
const REQUESTS = flag('requests', SHORT ? 50_000 : 1_000_000)
const CONNECTIONS = flag('connections', 50)
const RATE = flag('rate', SHORT ? 0 : 5_000)
const ROTATE_MS = flag('rotate-ms', SHORT ? 500 : 10_000)
const ANNOUNCE = SHORT
const WARMUP_REQUESTS = 5_000
const RSS_LIMIT = 0.1

/** packArtifact is TypeScript, run from the workspace sources. */
const loadPacker = () => importWorkspace('testing')

/**
 * The rotating source: each revision gets distinct values; the file is replaced atomically
 * (write + rename) so the agent reads the old or the new artifact, never a torn one.
 */
const createRotation = async ({ dir, packer }) => {
  const { identity, recipient } = await packer.createAgeKey()
  const path = join(dir, 'artifact.json')
  /** Body of GET /v1/secrets for every revision written so far → how often it was answered. */
  const bodies = new Map()
  let written = 0
  const next = async () => {
    written++
    const values = {
      app: {
        REVISION: String(written),
        DB_URL: `postgres://db-${written}.internal/app`,
        BLOB: randomBytes(96).toString('hex'),
      },
      web: { API_KEY: `k-${written}-${randomBytes(8).toString('hex')}` },
    }
    const text = await packer.packArtifact({ values, recipient, identity: 'soak', environment: 'bench' })
    bodies.set(JSON.stringify(values), 0)
    await writeFile(`${path}.tmp`, text)
    await rename(`${path}.tmp`, path)
  }
  await next()
  return { identity, path, bodies, next, written: () => written }
}

/** Samples VmRSS every second, with the time it was taken. */
const sampleRss = (pid) => {
  const samples = []
  const take = () => samples.push({ t: performance.now(), rss: memoryMiB(pid).rss })
  take()
  const timer = setInterval(take, 1000)
  return { samples, stop: () => (clearInterval(timer), take(), samples) }
}

/** Mean RSS of the first and last minute of load (the first and last third when the run is shorter than 3 min). */
const rssGrowth = (samples) => {
  const start = samples[0].t
  const end = samples.at(-1).t
  const window = Math.min(60_000, (end - start) / 3)
  const mean = (xs) => xs.reduce((a, s) => a + s.rss, 0) / xs.length
  const first = mean(samples.filter((s) => s.t <= start + window))
  const last = mean(samples.filter((s) => s.t >= end - window))
  return { windowS: window / 1000, first, last, growth: (last - first) / first }
}

const drive = ({ port, token, amount, rate = 0, verifyBody }) =>
  new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/v1/secrets`,
        connections: CONNECTIONS,
        amount,
        timeout: 10,
        headers: { authorization: `Bearer ${token}` },
        ...(rate > 0 ? { overallRate: rate } : {}),
        ...(verifyBody === undefined ? {} : { verifyBody }),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    )
  })

const main = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clef-soak-'))
  const packer = await loadPacker()
  const rotation = await createRotation({ dir, packer })
  const token = randomBytes(24).toString('hex')
  const port = await freePort()
  const env = {
    CLEF_AGENT_SOURCE: rotation.path,
    CLEF_AGENT_AGE_KEY: rotation.identity,
    CLEF_AGENT_PORT: String(port),
    CLEF_AGENT_TOKEN: token,
    CLEF_AGENT_CACHE_TTL: '30',
    CLEF_AGENT_LOG_LEVEL: 'warn',
  }
  const { proc } = await spawnReady({ args: [BUNDLE], env, port })
  let stderr = ''
  proc.stderr.on('data', (d) => (stderr += d))
  try {
    await drive({ port, token, amount: WARMUP_REQUESTS })
    const refresh = () =>
      fetch(`http://127.0.0.1:${port}/v1/refresh`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
    const rotations = setInterval(() => void rotation.next().then(() => ANNOUNCE && refresh()), ROTATE_MS)
    let checked = 0
    let unknown = 0
    const verifyBody = (body) => {
      checked++
      const seen = rotation.bodies.get(body)
      if (seen === undefined) {
        unknown++
        return false
      }
      rotation.bodies.set(body, seen + 1)
      return true
    }
    const rss = sampleRss(proc.pid)
    const started = performance.now()
    const r = await drive({ port, token, amount: REQUESTS, rate: RATE, verifyBody })
    const seconds = (performance.now() - started) / 1000
    clearInterval(rotations)
    const samples = rss.stop()
    const growth = rssGrowth(samples)
    const hwm = memoryMiB(proc.pid).hwm
    const served = [...rotation.bodies.values()].filter((n) => n > 0).length
    const failures = [
      r.non2xx > 0 && `${r.non2xx} non-2xx answers`,
      r.errors + r.timeouts > 0 && `${r.errors} errors, ${r.timeouts} timeouts`,
      unknown > 0 && `${unknown} bodies matching no revision`,
      checked !== r.requests.total && `${checked} bodies checked of ${r.requests.total}`,
      // Under a minute per window, RSS compares GC phases, not memory use: reported, not judged.
      growth.windowS >= 60 && growth.growth >= RSS_LIMIT && `RSS grew ${(growth.growth * 100).toFixed(1)} %`,
      proc.exitCode !== null && `agent exited ${proc.exitCode}`,
    ].filter(Boolean)
    const figures = {
      requests: r.requests.total,
      connections: CONNECTIONS,
      pacedRps: RATE || 'unpaced',
      seconds: Number(seconds.toFixed(1)),
      rps: Math.round(r.requests.total / seconds),
      p50ms: r.latency.p50,
      p99ms: r.latency.p99,
      maxMs: r.latency.max,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      bodiesChecked: checked,
      bodiesMatchingNoRevision: unknown,
      revisionsWritten: rotation.written(),
      revisionsServed: served,
      answersPerRevision: [...rotation.bodies.values()],
      rssWindowS: Number(growth.windowS.toFixed(0)),
      rssJudged: growth.windowS >= 60,
      rssFirstMiB: Number(growth.first.toFixed(1)),
      rssLastMiB: Number(growth.last.toFixed(1)),
      rssGrowthPct: Number((growth.growth * 100).toFixed(2)),
      rssPeakMiB: Number(hwm.toFixed(1)),
      rssEvery10sMiB: samples.filter((_, i) => i % 10 === 0).map((x) => Math.round(x.rss)),
    }
    console.log(JSON.stringify(figures, null, 2))
    if (stderr.trim() !== '') console.log(`agent stderr:\n${stderr.trim()}`)
    console.log(failures.length === 0 ? 'soak: PASS' : `soak: FAIL\n- ${failures.join('\n- ')}`)
    process.exitCode = failures.length === 0 ? 0 : 1
  } finally {
    await stop(proc)
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
