// `node bench/fleet.mjs`: a fleet of agents polling one HTTP origin over an unchanged artifact, to
// show what conditional polling costs the origin and that jitter spreads the polls. In one process:
// the agents and the fake origin come from the workspace packages, run from source by tsx. The real
// refresh loop schedules every poll; only its timers run 1000× faster. Prints figures; asserts nothing.
// Flags: --agents=200 --polls=50 --full-baseline (really send every unconditional GET, ~5 GB)
import { readFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { importWorkspace } from './lib.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const flag = (name, fallback) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const AGENTS = flag('agents', 200)
const POLLS = flag('polls', 50)
const FULL_BASELINE = process.argv.includes('--full-baseline')
/** Scheduled delays run this much faster: a 30 s poll interval fires after 30 ms. */
const SPEED = 1000
const SAMPLE_GETS = 200

const vectors = JSON.parse(readFileSync(join(root, 'test/vectors/index.json'), 'utf8')).vectors
const large = vectors.find((v) => v.name === 'large-5000-keys')
const artifact = readFileSync(join(root, 'test/vectors', large.file), 'utf8')

/** createAgent/parseConfig and the fake origin, from the workspace sources. */
const workspace = async () => ({
  ...(await importWorkspace('agent-core')),
  ...(await importWorkspace('testing')),
})

/** A TCP relay in front of the origin that counts the bytes on the wire, headers included. */
const startWireCounter = (targetPort) =>
  new Promise((resolve) => {
    const counts = { up: 0, down: 0 }
    const sockets = new Set()
    const server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1')
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('close', () => sockets.delete(s)).on('error', () => {})
      }
      client.on('data', (d) => (counts.up += d.length))
      upstream.on('data', (d) => (counts.down += d.length))
      client.pipe(upstream).pipe(client)
    })
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        counts,
        reset: () => Object.assign(counts, { up: 0, down: 0 }),
        close: () => {
          for (const s of sockets) s.destroy()
          return new Promise((r) => server.close(r))
        },
      }),
    )
  })

/** `n` plain GETs without If-None-Match, `concurrency` at a time. */
const plainGets = async (url, n, concurrency = 20) => {
  let next = 0
  const worker = async () => {
    while (next++ < n) await (await fetch(url)).arrayBuffer()
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

const histogram = (values, { from, to, buckets }) => {
  const width = (to - from) / buckets
  const counts = Array.from({ length: buckets }, () => 0)
  for (const v of values) counts[Math.min(buckets - 1, Math.max(0, Math.floor((v - from) / width)))]++
  const max = Math.max(...counts)
  return counts.map((c, i) => {
    const lo = (from + i * width).toFixed(1).padStart(5)
    return `  ${lo}–${(from + (i + 1) * width).toFixed(1).padEnd(5)} s ${String(c).padStart(4)} ${'#'.repeat(Math.round((c / max) * 40))}`
  })
}

const mib = (b) => `${(b / 2 ** 20).toFixed(2)} MiB`
const pct = (a, b) => `${((a / b) * 100).toFixed(3)} %`

const { createAgent, parseConfig, startHttpOrigin } = await workspace()
const origin = await startHttpOrigin({ body: artifact })
const wire = await startWireCounter(origin.port)
const url = `http://127.0.0.1:${wire.port}/artifact.json`
const parsed = parseConfig({
  CLEF_AGENT_SOURCE: url,
  CLEF_AGENT_AGE_KEY: large.ageKey,
  CLEF_AGENT_TOKEN: 'fleet-bench-token-0123456789',
  CLEF_AGENT_CACHE_TTL: '300',
})
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues))

// The real scheduler (TTL/10 = 30 s ±10 % jitter from Math.random) decides every delay; the timers
// only run SPEED× faster. Each agent's delays are recorded, in scheduler seconds: the k-th poll
// happens at the sum of the first k delays (a refresh takes milliseconds, not seconds).
// Timers armed during start-up wait for the polling phase, so that the two are counted apart.
const schedules = []
let beginPolling
const polling = new Promise((resolve) => (beginPolling = resolve))
const agents = Array.from({ length: AGENTS }, (_, i) => {
  const delays = (schedules[i] = [])
  const timers = {
    setTimeout: (cb, ms) => {
      delays.push(ms / 1000)
      const handle = { timer: undefined, cleared: false }
      void polling.then(() => {
        if (!handle.cleared) handle.timer = setTimeout(cb, ms / SPEED)
      })
      return handle
    },
    clearTimeout: (handle) => {
      handle.cleared = true
      clearTimeout(handle.timer)
    },
  }
  return createAgent(parsed.config, { timers, random: Math.random })
})

// Starts go 20 at a time (one process decrypts them all); the poll times below are counted from
// each agent's own start, as if the whole fleet had started in the same second: the worst case.
const startMs = performance.now()
for (let i = 0; i < agents.length; i += 20) await Promise.all(agents.slice(i, i + 20).map((a) => a.start()))
const startWallMs = performance.now() - startMs
const startup = {
  requests: origin.stats.requests,
  body: origin.stats.bodyBytesSent,
  wire: wire.counts.down + wire.counts.up,
}
const failed = agents.filter((a) => !a.ready).map((a) => a.serving.status().lastError)
if (failed.length > 0) throw new Error(`${failed.length} agents did not load: ${JSON.stringify(failed[0])}`)
origin.reset()
wire.reset()

const unexpected = []
const done = agents.map(
  (agent) =>
    new Promise((resolve) => {
      let polls = 0
      const off = agent.onRefresh((e) => {
        if (!e.ok || e.changed) unexpected.push(e)
        if (++polls < POLLS) return
        off()
        resolve(agent.stop('bench done'))
      })
    }),
)
const pollStart = performance.now()
beginPolling()
await Promise.all(done)
const pollMs = performance.now() - pollStart
const polled = {
  requests: origin.stats.requests,
  notModified: origin.stats.notModified,
  body: origin.stats.bodyBytesSent,
  wire: wire.counts.down + wire.counts.up,
}

origin.reset()
wire.reset()
const baselineGets = FULL_BASELINE ? polled.requests : Math.min(SAMPLE_GETS, polled.requests)
await plainGets(url, baselineGets)
const perGet = {
  body: origin.stats.bodyBytesSent / baselineGets,
  wire: (wire.counts.down + wire.counts.up) / baselineGets,
}
const unconditional = { body: perGet.body * polled.requests, wire: perGet.wire * polled.requests }
await wire.close()
await origin.close()

const first = schedules.map((d) => d[0])
const pollTimes = schedules.map((d) => d.map((_, k) => d.slice(0, k + 1).reduce((a, b) => a + b, 0)))
const lastPolls = pollTimes.map((t) => t.at(-1))
const perSecond = new Map()
for (const t of pollTimes.flat()) perSecond.set(Math.floor(t), (perSecond.get(Math.floor(t)) ?? 0) + 1)
// Seconds in which every agent is polling: after the last first poll, before the first last poll.
const steady = []
for (let s = Math.ceil(Math.max(...first)); s < Math.floor(Math.min(...lastPolls)); s++)
  steady.push(perSecond.get(s) ?? 0)
const end = Math.max(...lastPolls)
// Each interval draws its own jitter, so the fleet's phases drift further apart with every poll.
const spreadOf = (k) => {
  const at = pollTimes.map((t) => t[k - 1])
  return `${k === 1 ? '1st' : `${k}th`} ${(Math.max(...at) - Math.min(...at)).toFixed(1)} s`
}
const spreads = [1, 5, 10, 25, POLLS].filter((k, i, a) => k <= POLLS && a.indexOf(k) === i).map(spreadOf)

const lines = [
  `fleet: ${AGENTS} agents × ${POLLS} polls of large-5000-keys (${mib(Buffer.byteLength(artifact))}), one HTTP origin`,
  `  (real refresh loop and jitter; timers ${SPEED}× faster: ${(pollMs / 1000).toFixed(1)} s wall for ${(end / 60).toFixed(1)} scheduler minutes)`,
  '',
  `start-up (every agent loads once, ${(startWallMs / 1000).toFixed(1)} s): ${startup.requests} requests, ${mib(startup.body)} body, ${mib(startup.wire)} on the wire`,
  `polling, conditional (If-None-Match):  ${polled.requests} requests, ${polled.notModified} × 304, ${polled.body} body bytes, ${mib(polled.wire)} on the wire`,
  `polling, unconditional (plain GET):    ${polled.requests} requests, ${mib(unconditional.body)} body, ${mib(unconditional.wire)} on the wire` +
    (baselineGets === polled.requests
      ? ' (all measured)'
      : ` (${baselineGets} measured, scaled to ${polled.requests})`),
  `  conditional / unconditional: body ${pct(polled.body, unconditional.body)}, wire ${pct(polled.wire, unconditional.wire)}  (target ≤ 2 %)`,
  `  start-up included: wire ${pct(polled.wire + startup.wire, unconditional.wire + startup.wire)}`,
  '',
  `first poll after start (scheduler delay, s): ${AGENTS} agents from ${Math.min(...first).toFixed(2)} to ${Math.max(...first).toFixed(2)}`,
  ...histogram(first, { from: 27, to: 33, buckets: 12 }),
  `spread of the k-th poll across the fleet (max − min): ${spreads.join(' · ')}`,
  `polls per second while every agent polls: max ${Math.max(...steady)}, mean ${(steady.reduce((a, b) => a + b, 0) / steady.length).toFixed(1)} (synchronized: ${AGENTS} in one second every 30 s)`,
  ...(unexpected.length === 0
    ? []
    : [`UNEXPECTED refresh outcomes: ${unexpected.length}, e.g. ${JSON.stringify(unexpected[0])}`]),
]
process.stdout.write(`${lines.join('\n')}\n`)
