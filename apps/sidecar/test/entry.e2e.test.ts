// The sidecar image's entry (the built bundle) run with the Kubernetes example's own settings,
// paths mapped into a temp dir: kubelet's probes, the exec liveness probe and the app's call with
// the shared token all work, and SIGTERM drains it.
import { execFile, spawn } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { freePort, tempDir } from '@clef-sh/testing'
import { envOf, loadKubernetes } from './k8s-example.ts'

const ENTRY = fileURLToPath(new URL('../dist/clef-agent.cjs', import.meta.url))

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
      CLEF_AGENT_PROBE_PORT: String(probePort),
      CLEF_AGENT_PORT: String(port),
    }
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
      // livenessProbe: the exec healthcheck.
      const health = await promisify(execFile)(process.execPath, [ENTRY, 'healthcheck'], {
        env: { CLEF_AGENT_PORT: String(port) },
      })
      expect(health.stdout + health.stderr).toBe('')
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
