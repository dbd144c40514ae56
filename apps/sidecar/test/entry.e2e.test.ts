// The sidecar image's entry (the built bundle) run with the Kubernetes example's own settings,
// paths mapped into a temp dir: kubelet's probes, the exec healthcheck, the disk cache and the
// app's call with the shared token all work, and SIGTERM drains it.
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { freePort, tempDir } from '@clef-sh/testing'
import { envOf, loadKubernetes } from './k8s-example.ts'

const ENTRY = fileURLToPath(new URL('../dist/clef-agent.cjs', import.meta.url))

const waitForFile = async (path: string): Promise<void> => {
  for (const until = Date.now() + 5000; !existsSync(path);) {
    if (Date.now() > until) throw new Error(`${path} never appeared`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('the sidecar entry with the Kubernetes example configuration', () => {
  it('passes its probes, serves the app through the shared token file, and drains on SIGTERM', async () => {
    const docs = await loadKubernetes()
    const env = envOf(docs[2]?.spec?.template.spec.initContainers[0])
    await using dir = await tempDir()
    // The example's mounts, under the temp dir.
    const files: Record<string, string> = {
      [env['CLEF_AGENT_SOURCE'] ?? '']: docs[0]?.data?.['artifact.json'] ?? '',
      [env['CLEF_AGENT_AGE_KEY_FILE'] ?? '']: docs[1]?.stringData?.['age.key'] ?? '',
    }
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(dir.file(path)), { recursive: true })
      await writeFile(dir.file(path), content)
    }
    const [port, probePort] = [await freePort(), await freePort()]
    const agentEnv = {
      PATH: process.env['PATH'],
      CLEF_AGENT_SOURCE: dir.file(env['CLEF_AGENT_SOURCE'] ?? ''),
      CLEF_AGENT_AGE_KEY_FILE: dir.file(env['CLEF_AGENT_AGE_KEY_FILE'] ?? ''),
      CLEF_AGENT_TOKEN_FILE: dir.file(env['CLEF_AGENT_TOKEN_FILE'] ?? ''),
      CLEF_AGENT_CACHE_PATH: dir.file(env['CLEF_AGENT_CACHE_PATH'] ?? ''),
      CLEF_AGENT_STALE_IF_ERROR: env['CLEF_AGENT_STALE_IF_ERROR'] ?? '',
      CLEF_AGENT_PROBE_PORT: String(probePort),
      CLEF_AGENT_PORT: String(port),
    }
    // The cache volume, as the emptyDir mount gives it: an existing directory.
    await mkdir(dirname(agentEnv.CLEF_AGENT_CACHE_PATH), { recursive: true, mode: 0o700 })
    const proc = spawn(process.execPath, [ENTRY], { env: agentEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()))
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve))
    try {
      // startupProbe: GET /v1/ready on the probe port until 200.
      const until = Date.now() + 10_000
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${probePort}/v1/ready`).catch(() => undefined)
        if (res?.status === 200) break
        if (Date.now() > until || proc.exitCode !== null) throw new Error(`never ready:\n${output}`)
        await new Promise((r) => setTimeout(r, 25))
      }
      // livenessProbe: its path on the probe port.
      const liveness = docs[2]?.spec?.template.spec.initContainers[0]?.livenessProbe?.httpGet?.path
      expect((await fetch(`http://127.0.0.1:${probePort}${liveness ?? ''}`)).status).toBe(200)
      // The exec form of the readiness probe (images without curl).
      const health = await promisify(execFile)(process.execPath, [ENTRY, 'healthcheck'], {
        env: { CLEF_AGENT_PORT: String(port) },
      })
      expect(health.stdout + health.stderr).toBe('')
      // The disk cache on its volume: the artifact as loaded, still encrypted.
      await waitForFile(agentEnv.CLEF_AGENT_CACHE_PATH)
      const { ciphertext } = JSON.parse(docs[0]?.data?.['artifact.json'] ?? '{}') as { ciphertext: string }
      expect(JSON.parse(await readFile(agentEnv.CLEF_AGENT_CACHE_PATH, 'utf8'))).toMatchObject({ ciphertext })
      // The app: the token from the shared file, the keys from 127.0.0.1.
      const token = (await readFile(agentEnv.CLEF_AGENT_TOKEN_FILE, 'utf8')).trim()
      const keys = await fetch(`http://127.0.0.1:${port}/v1/keys`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(await keys.json()).toEqual(['app__DATABASE_URL', 'app__API_KEY', 'app__LOG_LEVEL'])
      proc.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(output).not.toContain(token)
    } finally {
      proc.kill('SIGKILL')
    }
  })

  it('exits 1 from healthcheck when no agent answers', async () => {
    const port = await freePort()
    const run = promisify(execFile)(process.execPath, [ENTRY, 'healthcheck'], {
      env: { CLEF_AGENT_PORT: String(port) },
    })
    await expect(run).rejects.toMatchObject({ code: 1 })
  })
})
