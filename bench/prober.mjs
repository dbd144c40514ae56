// The prober of bench/probes.mjs, in its own process as a kubelet is: the bench's autocannon reads
// megabytes per response on its own event loop, which would otherwise delay the prober and be
// counted as the agent's latency. Forked with the agent's port; asks /v1/health, /v1/ready and
// /v1/metrics in turn every 20 ms until the parent sends 'stop', then sends back the latencies (ms)
// per path and exits. A probe that fails is recorded as Infinity (a kubelet would count it).
import { request } from 'node:http'

const port = Number(process.argv[2])
const paths = ['/v1/health', '/v1/ready', '/v1/metrics']
const lat = Object.fromEntries(paths.map((p) => [p, []]))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
let stopping = false
process.on('message', (m) => {
  if (m === 'stop') stopping = true
})

/** One GET on a new connection (a kubelet opens one per probe); resolves its latency in ms. */
const once = (path) =>
  new Promise((resolve) => {
    const t0 = performance.now()
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : Infinity))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(Infinity))
    req.end()
  })

for (let i = 0; !stopping; i++) {
  const path = paths[i % paths.length]
  lat[path].push(await once(path))
  await sleep(20)
}
process.send(lat, () => process.exit(0))
