// Shared bench plumbing: spawn a server, wait for /v1/ready, read its memory, drive load.
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus } from 'node:os'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { tsImport } from 'tsx/esm/api'

const require = createRequire(import.meta.url)
const autocannon = require('autocannon')
const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * Imports a workspace package (`testing`, `agent-core`, ...) from its TypeScript sources with tsx,
 * a maintained TypeScript runner: the bench runs this checkout's code as it is, each module with
 * its real `import.meta.url` (so VECTORS_DIR resolves).
 */
export const importWorkspace = (name) =>
  tsImport(pathToFileURL(join(ROOT, 'packages', name, 'src/index.ts')).href, import.meta.url)

export const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * CPU time (ms) the process and all its threads have spent on a core so far, from
 * /proc/<pid>/task/<tid>/schedstat (ns): unlike wall time, it does not grow when other work on a
 * busy machine delays the process. NaN where /proc has no schedstat.
 */
export const cpuMsOf = (pid) => {
  try {
    let ns = 0
    for (const tid of readdirSync(`/proc/${pid}/task`))
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    return ns / 1e6
  } catch {
    return Number.NaN
  }
}

/** Spawns `args` with `env`, resolves { proc, port, readyMs } once GET /v1/ready answers 200. */
export const spawnReady = async ({ args, env = {}, port, timeoutMs = 10_000 }) => {
  const t0 = performance.now()
  const proc = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let err = ''
  proc.stderr.on('data', (d) => (err += d))
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${err}`)
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/ready`)
      await res.arrayBuffer()
      if (res.status === 200) return { proc, port, readyMs: performance.now() - t0, cpuMs: cpuMsOf(proc.pid) }
    } catch {}
    if (performance.now() - t0 > timeoutMs) throw new Error(`not ready after ${timeoutMs} ms: ${err}`)
    await sleep(2)
  }
}

export const stop = async (proc) => {
  if (proc.exitCode !== null) return
  const done = new Promise((r) => proc.once('exit', r))
  proc.kill('SIGTERM')
  await done
}

/** VmRSS and VmHWM of a process, in MiB (Linux). */
export const memoryMiB = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN)
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 }
}

/** CPU seconds (user + system) a process has used so far (Linux). */
export const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Drives GET `path` with autocannon; resolves { rps, p50, p99, errors, non2xx }. */
export const load = ({ port, path, token, connections, seconds }) =>
  new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}${path}`,
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${token}` },
      },
      (err, r) => {
        if (err) return reject(err)
        resolve({
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors,
          non2xx: r.non2xx,
        })
      },
    )
  })

/**
 * A results note: `table`, the Markdown table of `header` and one row per array of cells, and
 * `machine`, where the figures come from (cores and model, Node version, the time).
 */
export const report = (header, rows) => ({
  table: [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n'),
  machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.versions.node}, ${new Date().toISOString()}`,
})
