// Errors that say what to do, as a user sees them from the built bundle: fatal start lines name
// the variable at fault in the configured log format, a public key in the key file is called one,
// a key that matches no recipient names the agent's own recipient, a port in use names its
// variable, healthcheck prints one line saying why, and `exec --help` is help.
import { writeFile } from 'node:fs/promises'
import { createServer, type RequestListener } from 'node:http'
import { describe, expect, it } from 'vitest'
import { createAgeKey, freePort, packArtifact, startHttpOrigin, tempDir } from '@clef-sh/testing'
import { runDaemon, startDaemon, waitLoaded, TEST_TOKEN } from './harness.ts'

/** The JSON log lines of `output` (the harness mixes stdout and stderr). */
const jsonLines = (output: string): Record<string, unknown>[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)

/** The one fatal line: the last error-level JSON line. */
const fatalLine = (output: string): Record<string, unknown> =>
  jsonLines(output).findLast((l) => l['level'] === 'error') ?? {}

/** An age key and an artifact packed for it, on a file. */
const packedOnDisk = async (dir: { file(name: string): string }) => {
  const key = await createAgeKey()
  const source = dir.file('artifact.json')
  await writeFile(source, await packArtifact({ values: { app: { V: 'x' } }, recipient: key.recipient }))
  return { key, source }
}

/**
 * A daemon whose source serves an artifact packed for another key (`packer`), after its first
 * load attempt; `agent` is the key it was given. Disposing it stops both.
 */
const startWithForeignKey = async () => {
  const packer = await createAgeKey()
  const agent = await createAgeKey()
  const origin = await startHttpOrigin({
    body: await packArtifact({ values: { app: { V: 'x' } }, recipient: packer.recipient }),
  })
  const d = await startDaemon({ CLEF_AGENT_SOURCE: origin.url, CLEF_AGENT_AGE_KEY: agent.identity })
  await waitLoaded(d)
  return {
    d,
    packer,
    agent,
    [Symbol.asyncDispose]: async () => {
      await d[Symbol.asyncDispose]()
      await origin[Symbol.asyncDispose]()
    },
  }
}

/** Holds a port on `host` until disposed; `answer` handles what arrives (default: nothing). */
const occupy = async (host: string, answer?: RequestListener) => {
  const server = createServer(answer)
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    port,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve()
        }),
      ),
  }
}

describe('fatal start errors name the variable, in the log format', () => {
  it('a missing age key file: CLEF_AGENT_AGE_KEY_FILE leads the message (JSON, and pretty)', async () => {
    await using dir = await tempDir()
    const { source } = await packedOnDisk(dir)
    const env = {
      CLEF_AGENT_SOURCE: source,
      CLEF_AGENT_AGE_KEY_FILE: dir.file('nope.key'),
      CLEF_AGENT_PORT: String(await freePort()),
      CLEF_AGENT_TOKEN: TEST_TOKEN,
    }
    const json = await runDaemon([], env)
    expect(json.code).toBe(1)
    expect(fatalLine(json.output)).toMatchObject({
      code: 'config_invalid',
      msg: `config_invalid: CLEF_AGENT_AGE_KEY_FILE: age key file ${dir.file('nope.key')}: no such file`,
    })
    const pretty = await runDaemon([], { ...env, CLEF_AGENT_LOG_FORMAT: 'pretty' })
    expect(pretty.code).toBe(1)
    expect(pretty.output).toMatch(
      /ERROR config_invalid: CLEF_AGENT_AGE_KEY_FILE: age key file \S+: no such file/,
    )
    expect(pretty.output).not.toContain('{"')
  })

  it('a public key in the key file is called one, pointing to the private key, echoing no key', async () => {
    await using dir = await tempDir()
    const { key, source } = await packedOnDisk(dir)
    await writeFile(dir.file('age.key'), `# the recipient, by mistake\n${key.recipient}\n`, { mode: 0o600 })
    const { code, output } = await runDaemon([], {
      CLEF_AGENT_SOURCE: source,
      CLEF_AGENT_AGE_KEY_FILE: dir.file('age.key'),
      CLEF_AGENT_PORT: String(await freePort()),
      CLEF_AGENT_TOKEN: TEST_TOKEN,
    })
    expect(code).toBe(1)
    const line = fatalLine(output)
    expect(line['msg']).toBe(
      `config_invalid: CLEF_AGENT_AGE_KEY_FILE: age key file ${dir.file('age.key')}: holds a public key (age1…, a recipient), not the private key`,
    )
    expect(line['hint']).toContain('AGE-SECRET-KEY-1')
    expect(output).not.toContain(key.recipient.slice(4))
  })

  it('an unusable token file: CLEF_AGENT_TOKEN_FILE leads the message, the fix stays in the hint', async () => {
    await using dir = await tempDir()
    const { key, source } = await packedOnDisk(dir)
    await writeFile(dir.file('token'), 'a-token-others-could-read-0123', { mode: 0o644 })
    const { code, output } = await runDaemon([], {
      CLEF_AGENT_SOURCE: source,
      CLEF_AGENT_AGE_KEY: key.identity,
      CLEF_AGENT_PORT: String(await freePort()),
      CLEF_AGENT_TOKEN_FILE: dir.file('token'),
    })
    expect(code).toBe(1)
    const line = fatalLine(output)
    expect(line['msg']).toMatch(/^config_invalid: CLEF_AGENT_TOKEN_FILE: token file \S+ has mode 0644/)
    expect(line['hint']).toContain('chmod 600')
    expect(output).not.toContain('a-token-others-could-read')
  })

  it('a port in use names CLEF_AGENT_PORT, and the probe port CLEF_AGENT_PROBE_PORT', async () => {
    await using dir = await tempDir()
    const { key, source } = await packedOnDisk(dir)
    const env = { CLEF_AGENT_SOURCE: source, CLEF_AGENT_AGE_KEY: key.identity, CLEF_AGENT_TOKEN: TEST_TOKEN }
    await using api = await occupy('127.0.0.1')
    const taken = await runDaemon([], { ...env, CLEF_AGENT_PORT: String(api.port) })
    expect(taken.code).toBe(1)
    expect(fatalLine(taken.output)).toMatchObject({
      code: 'config_invalid',
      msg: expect.stringMatching(
        /^config_invalid: CLEF_AGENT_PORT: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/,
      ),
      hint: 'choose a free port with CLEF_AGENT_PORT',
    })
    await using probe = await occupy('::')
    const probeTaken = await runDaemon([], {
      ...env,
      CLEF_AGENT_PORT: String(await freePort()),
      CLEF_AGENT_PROBE_PORT: String(probe.port),
    })
    expect(probeTaken.code).toBe(1)
    expect(fatalLine(probeTaken.output)).toMatchObject({
      msg: expect.stringMatching(/^config_invalid: CLEF_AGENT_PROBE_PORT: cannot listen on .*EADDRINUSE/),
      hint: 'choose a free port with CLEF_AGENT_PROBE_PORT',
    })
  })
})

describe('a key that matches no recipient', () => {
  it("logs the agent's own recipient (its public key) to compare with the packer's, never the key", async () => {
    await using foreign = await startWithForeignKey()
    const { d, packer, agent } = foreign
    const refused = jsonLines(d.output()).find((l) => l['code'] === 'decrypt')
    expect(refused?.['message']).toBe(
      "age decryption failed: no identity matched any of the file's recipients",
    )
    expect(refused?.['hint']).toContain(`this agent's age recipient (public key) is ${agent.recipient}`)
    const health = (await d.get('/v1/health')).json as { lastError: { hint?: string } }
    expect(health.lastError.hint).toContain(agent.recipient)
    expect(d.output()).not.toContain(agent.identity.slice('AGE-SECRET-KEY-1'.length, 40))
    expect(d.output()).not.toContain(packer.recipient)
  })
})

describe('healthcheck says why it fails, in one line', () => {
  const healthcheck = (port: number) => runDaemon(['healthcheck'], { CLEF_AGENT_PORT: String(port) })

  it('nothing listens: not running, connection refused on the port of CLEF_AGENT_PORT', async () => {
    const port = await freePort()
    const { code, output } = await healthcheck(port)
    expect(code).toBe(1)
    expect(output).toBe(
      `clef-agent healthcheck: no agent listens on 127.0.0.1:${port} (ECONNREFUSED): not running, or on another port (set CLEF_AGENT_PORT)\n`,
    )
  })

  it('something else listens: not an agent, wrong CLEF_AGENT_PORT?', async () => {
    await using other = await occupy('127.0.0.1', (_req, res) => res.writeHead(404).end('nginx'))
    const { code, output } = await healthcheck(other.port)
    expect(code).toBe(1)
    expect(output).toBe(
      `clef-agent healthcheck: 127.0.0.1:${other.port} is not clef-agent (/v1/ready answered 404): wrong CLEF_AGENT_PORT?\n`,
    )
  })

  it('the agent is not ready: the /v1/ready reason and the last error, on the port of CLEF_AGENT_PORT', async () => {
    await using foreign = await startWithForeignKey()
    const { d } = foreign
    const { code, output } = await healthcheck(d.port)
    expect(code).toBe(1)
    expect(output).toBe(
      `clef-agent healthcheck: the agent on 127.0.0.1:${d.port} is not ready: decrypt (last error: age decryption failed: no identity matched any of the file's recipients)\n`,
    )
    // Liveness passes meanwhile: the process is sound.
    expect((await runDaemon(['healthcheck', '--live'], { CLEF_AGENT_PORT: String(d.port) })).code).toBe(0)
  })
})

describe('exec --help', () => {
  it('prints the exec usage and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, output } = await runDaemon(['exec', flag], {})
      expect(code).toBe(0)
      expect(output).toContain('clef-agent exec - run a command with the secrets in its environment')
      expect(output).toContain('CLEF_AGENT_EXEC_RETRY_FOR')
      expect(output).not.toContain('unknown exec option')
    }
  })
})
