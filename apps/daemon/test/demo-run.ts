// Runs `clef-agent demo` from some copy of the agent and reads the demo secrets from it, as the
// README's first steps do: for the tests that the demo runs from any copy.
import { readFile } from 'node:fs/promises'
import { freePort } from '@clef-sh/testing'
import { spawnCapturing } from './harness.ts'

/** The demo's three secrets (examples/demo/artifact.json, namespace app). */
export const DEMO_SECRETS = {
  app: {
    DATABASE_URL: 'postgres://app:s3cr3t@db.internal:5432/app',
    API_KEY: 'sk_live_LN8UQoTy4wakPjCopbnIJ0jl',
    LOG_LEVEL: 'info',
  },
}

/**
 * Runs `demo` with `command` (and `args` before it) in `dir` with a free port and a token file
 * there, fetches /v1/secrets with that token, stops it with SIGTERM; the answer, exit code, output.
 */
export const runDemo = async (
  dir: string,
  command: string,
  args: string[] = [],
): Promise<{ status: number; secrets: unknown; code: number | null; output: string }> => {
  const port = await freePort()
  const tokenFile = `${dir}/run/token`
  const { proc, output, exited } = spawnCapturing(command, [...args, 'demo'], {
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', CLEF_AGENT_PORT: String(port), CLEF_AGENT_TOKEN_FILE: tokenFile },
  })
  try {
    // The demo prints how to call it once the first load ended.
    for (const until = Date.now() + 15_000; !output().includes('Stop with Ctrl-C.');) {
      if (proc.exitCode !== null || Date.now() > until) throw new Error(`demo never served:\n${output()}`)
      await new Promise((r) => setTimeout(r, 25))
    }
    const token = (await readFile(tokenFile, 'utf8')).trim()
    const res = await fetch(`http://127.0.0.1:${port}/v1/secrets`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const secrets: unknown = await res.json()
    proc.kill('SIGTERM')
    return { status: res.status, secrets, code: await exited, output: output() }
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL')
  }
}
