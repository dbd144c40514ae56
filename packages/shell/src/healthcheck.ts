// `clef-agent healthcheck [--live] [--wait SECONDS]`: an exec probe for images without curl.
// Readiness (the default) asks /v1/ready: can secrets be served now? Liveness (`--live`) asks
// /v1/health, which answers while the process is sound, so an outage of the source never turns into
// restarts. `--wait` retries readiness for a while: ECS has one health check per container (used
// for replacement, so it must be liveness); a start-up gate for the app needs a command of its own.
// On failure it prints one line saying why: nothing listens, something else listens, or not ready.
import { request } from 'node:http'
import { DEFAULTS } from '@clef-sh/agent-core'

/** What the probe found. */
export type ProbeResult =
  { ok: true } | { ok: false; kind: 'not_running' | 'timeout' | 'not_agent' | 'not_ready'; detail: string }

interface Answer {
  status: number
  json: unknown
}

const get = (port: number, path: string, timeoutMs: number): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text = (text + c).slice(0, 64 * 1024)))
      res.on('end', () => {
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, json })
      })
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
    req.on('error', reject)
    req.end()
  })

const field = (json: unknown, name: string): unknown =>
  typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[name] : undefined

/** Why the agent is not ready: /v1/ready's reason, and /v1/health's last error when there is one. */
const notReady = async (port: number, ready: Answer, timeoutMs: number): Promise<ProbeResult> => {
  const given = field(ready.json, 'reason')
  const reason = typeof given === 'string' ? given : `status ${ready.status}`
  const health = await get(port, '/v1/health', timeoutMs).catch(() => undefined)
  const last = field(health?.json, 'lastError')
  const message = field(last, 'message')
  const detail = typeof message === 'string' ? `${reason} (last error: ${message})` : reason
  return { ok: false, kind: 'not_ready', detail }
}

/** Probes the agent on 127.0.0.1:`port`: `/v1/health` when `live`, else `/v1/ready`. */
export const probeAgent = async (
  port: number,
  opts: { live: boolean; timeoutMs?: number },
): Promise<ProbeResult> => {
  const timeoutMs = opts.timeoutMs ?? 2000
  const path = opts.live ? '/v1/health' : '/v1/ready'
  let answer: Answer
  try {
    answer = await get(port, path, timeoutMs)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return code === 'ETIMEDOUT'
      ? { ok: false, kind: 'timeout', detail: `no answer within ${timeoutMs} ms` }
      : { ok: false, kind: 'not_running', detail: code ?? 'connection failed' }
  }
  const isAgent = typeof field(answer.json, opts.live ? 'status' : 'ready') !== 'undefined'
  if (!isAgent) return { ok: false, kind: 'not_agent', detail: `${path} answered ${answer.status}` }
  if (opts.live || answer.status === 200) return { ok: true }
  return notReady(port, answer, timeoutMs)
}

/** The one line `healthcheck` prints for a failed probe. */
export const describeProbe = (port: number, r: Exclude<ProbeResult, { ok: true }>): string => {
  const at = `127.0.0.1:${port}`
  switch (r.kind) {
    case 'not_running':
      return `no agent listens on ${at} (${r.detail}): not running, or on another port (set CLEF_AGENT_PORT)`
    case 'timeout':
      return `the agent on ${at} did not answer: ${r.detail}`
    case 'not_agent':
      return `${at} is not clef-agent (${r.detail}): wrong CLEF_AGENT_PORT?`
    case 'not_ready':
      return `the agent on ${at} is not ready: ${r.detail}`
  }
}

/** The port of CLEF_AGENT_PORT, or the default; undefined when the value is not a port. */
export const portOf = (env: NodeJS.ProcessEnv): number | undefined => {
  const raw = env['CLEF_AGENT_PORT']?.trim()
  if (raw === undefined || raw === '') return DEFAULTS.port
  const port = Number(raw)
  return /^\d+$/.test(raw) && port >= 1 && port <= 65535 ? port : undefined
}

/** How often `--wait` probes again. */
const WAIT_STEP_MS = 1000

/** Probes until it passes or `waitMs` ran out (0: once); the last result. */
const probeUntil = async (port: number, live: boolean, waitMs: number): Promise<ProbeResult> => {
  const deadline = Date.now() + waitMs
  for (;;) {
    const result = await probeAgent(port, { live })
    if (result.ok || Date.now() + WAIT_STEP_MS > deadline) return result
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS))
  }
}

/**
 * `clef-agent healthcheck [--live] [--wait SECONDS]`: exits 0 when the probe passes, else prints
 * why and exits 1. With `waitSeconds` it probes each second until it passes or the time ran out.
 */
export const runHealthcheck = async (
  env: NodeJS.ProcessEnv,
  live: boolean,
  waitSeconds = 0,
): Promise<never> => {
  const port = portOf(env)
  if (port === undefined) {
    process.stderr.write('clef-agent healthcheck: CLEF_AGENT_PORT must be a TCP port (1 to 65535)\n')
    return process.exit(1)
  }
  const result = await probeUntil(port, live, waitSeconds * 1000)
  if (result.ok) return process.exit(0)
  process.stderr.write(`clef-agent healthcheck: ${describeProbe(port, result)}\n`)
  return process.exit(1)
}
