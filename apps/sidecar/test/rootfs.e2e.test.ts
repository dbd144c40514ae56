// The image's runtime, short of a registry: the sidecar's single executable (what docker/Dockerfile
// copies) in distroless `cc`'s root filesystem assembled from Debian's packages, run as the image
// runs it: no shell, uid 65532, root read-only, only the token directory writable. It serves the
// demo artifact, its exec healthcheck passes inside, and SIGTERM drains it.
import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '@clef-sh/testing'
import { IN_IMAGE, runtimeRootfs, startContained } from './rootfs.ts'

const SEA = fileURLToPath(new URL('../dist/clef-agent', import.meta.url))
const BUNDLE = fileURLToPath(new URL('../dist/clef-agent.cjs', import.meta.url))
const BUILD = fileURLToPath(new URL('../build.mjs', import.meta.url))
const DEMO = fileURLToPath(new URL('../../../examples/demo', import.meta.url))
const DEMO_VALUES = {
  app: {
    DATABASE_URL: 'postgres://app:s3cr3t@db.internal:5432/app',
    API_KEY: 'sk_live_LN8UQoTy4wakPjCopbnIJ0jl',
    LOG_LEVEL: 'info',
  },
}
let rootfs = ''

beforeAll(async () => {
  const fresh = existsSync(SEA) && existsSync(BUNDLE) && statSync(SEA).mtimeMs >= statSync(BUNDLE).mtimeMs
  if (!fresh) await promisify(execFile)(process.execPath, [BUILD, '--sea'], { maxBuffer: 16 << 20 })
  rootfs = await runtimeRootfs()
}, 240_000)

/** GET `path` on the agent until it answers 200 (or `ms` pass). */
const until200 = async (url: string, headers: Record<string, string>, ms: number): Promise<Response> => {
  const end = Date.now() + ms
  for (;;) {
    const res = await fetch(url, { headers }).catch(() => undefined)
    if (res?.status === 200) return res
    if (Date.now() > end) throw new Error(`${url}: ${String(res?.status)}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe("the sidecar executable in the image's root filesystem", () => {
  it('has no shell and nothing of Node: only the C runtime, CA certificates and time zones', () => {
    for (const shell of ['bin/sh', 'usr/bin/sh', 'bin/bash', 'usr/bin/dash', 'usr/bin/node'])
      expect(existsSync(join(rootfs, shell)), shell).toBe(false)
    expect(existsSync(join(rootfs, 'usr/share/zoneinfo/UTC'))).toBe(true)
    expect(existsSync(join(rootfs, 'usr/share/ca-certificates'))).toBe(true)
  })

  it('serves the demo artifact as 65532 on a read-only root, passes healthcheck inside, drains on SIGTERM', async () => {
    const port = await freePort()
    const env = {
      CLEF_AGENT_SOURCE: `${IN_IMAGE.config}/artifact.json`,
      CLEF_AGENT_AGE_KEY_FILE: `${IN_IMAGE.config}/demo.agekey`,
      CLEF_AGENT_PORT: String(port),
    }
    const agent = await startContained({ rootfs, binary: SEA, config: DEMO, argv: [IN_IMAGE.binary], env })
    let output = ''
    agent.launcher.stdout?.on('data', (d: Buffer) => (output += d.toString()))
    agent.launcher.stderr?.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((resolve) => agent.launcher.once('exit', resolve))
    try {
      await until200(`http://127.0.0.1:${port}/v1/ready`, {}, 15_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${output}`)
      })
      // As the image's USER, with the image's mounts: / read-only, the token directory a tmpfs.
      const status = await readFile(`/proc/${agent.pid}/status`, 'utf8')
      expect(status).toMatch(/^Uid:\t65532\t65532\t65532\t65532$/m)
      expect(status).toMatch(/^Gid:\t65532\t65532\t65532\t65532$/m)
      const mounts = (await readFile(`/proc/${agent.pid}/mountinfo`, 'utf8'))
        .split('\n')
        .map((l) => l.split(' '))
      expect(mounts.find((m) => m[4] === '/')?.[5]).toMatch(/^ro,/)
      expect(mounts.find((m) => m[4] === IN_IMAGE.tokens)?.[5]).toMatch(/^rw,/)
      // The app's side: the token the agent wrote to the shared directory, the demo's secrets.
      const token = (await readFile(`/proc/${agent.pid}/root${IN_IMAGE.tokens}/token`, 'utf8')).trim()
      const res = await until200(
        `http://127.0.0.1:${port}/v1/secrets`,
        { authorization: `Bearer ${token}` },
        5000,
      )
      expect(await res.json()).toEqual(DEMO_VALUES)
      // The image's HEALTHCHECK, run inside the same root and namespaces.
      expect(await agent.exec([IN_IMAGE.binary, 'healthcheck'], { CLEF_AGENT_PORT: String(port) })).toBe(0)
      process.kill(agent.pid, 'SIGTERM')
      expect(await exited).toBe(0)
      expect(output).toMatch(/"msg":"stopping","signal":"SIGTERM"/)
      expect(output).toMatch(/"msg":"agent stopped"/)
      expect(output).not.toContain(token)
      await expect(fetch(`http://127.0.0.1:${port}/v1/health`)).rejects.toThrow()
    } finally {
      // The contained process itself: killing only the launcher would leave it running.
      if (agent.launcher.exitCode === null) agent.kill()
    }
  })
})
