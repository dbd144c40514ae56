import { writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { createAgent, parseConfig } from '@clef-sh/agent-core'
import { noopLogger } from '@clef-sh/errors'
import { createAgeKey, packArtifact, startFakeLambda, tempDir } from '@clef-sh/testing'
import { extensionErrorType } from './error-type.ts'
import { createExtensionsClient } from './extensions-api.ts'
import { createLazyReader } from './lazy-reader.ts'
import { EXTENSION_EVENTS, runExtension, type ExtensionServing } from './lifecycle.ts'

// Timers that never fire: only INVOKE (or a request) may refresh, as in a frozen environment.
const frozenTimers = { setTimeout: () => 0, clearTimeout: () => undefined }

/** An extension in this process over a file source, with a clock the test moves. */
const setup = async (ttl: string) => {
  const dir = await tempDir()
  const key = await createAgeKey()
  const file = dir.file('artifact.json')
  /** Writes a new revision; returns it. */
  const write = async (v: string): Promise<string> => {
    const text = await packArtifact({ values: { app: { V: v } }, recipient: key.recipient })
    await writeFile(file, text)
    return (JSON.parse(text) as { revision: string }).revision
  }
  const first = await write('one')
  const parsed = parseConfig({
    CLEF_AGENT_SOURCE: file,
    CLEF_AGENT_AGE_KEY: key.identity,
    CLEF_AGENT_CACHE_TTL: ttl,
  })
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues))
  const clock = { now: Date.now() }
  const agent = createAgent(parsed.config, { now: () => clock.now, timers: frozenTimers })
  const lazy = createLazyReader(agent)
  const serving: ExtensionServing = { agent, lazy, ttlMs: parsed.config.ttlMs, close: (r) => agent.stop(r) }
  const lambda = await startFakeLambda()
  const client = createExtensionsClient(lambda.runtimeApi)
  const exit = runExtension({
    client,
    registration: client.register('clef-agent', EXTENSION_EVENTS),
    setup: () => Promise.resolve(serving),
    snapStart: false,
    logger: noopLogger,
    now: () => clock.now,
  })
  await lambda.initDone()
  const value = async () => (await agent.getAll())['app']?.['V']
  return {
    first,
    // The held revision: reading it never triggers a refresh (getAll would, once stale).
    revision: () => agent.revision,
    lambda,
    clock,
    write,
    value,
    exit,
    [Symbol.asyncDispose]: async () => {
      lambda.shutdown()
      await exit
      await lambda.close()
      await dir[Symbol.asyncDispose]()
    },
  }
}

describe('runExtension', () => {
  it('refreshes on INVOKE once the TTL ran out, not before', async () => {
    await using x = await setup('60')
    expect(x.revision()).toBe(x.first)
    const second = await x.write('two')
    x.clock.now += 30_000
    await x.lambda.invoke()
    expect(x.revision()).toBe(x.first)
    x.clock.now += 30_001
    await x.lambda.invoke()
    expect(x.revision()).toBe(second)
    expect(await x.value()).toBe('two')
  })

  it('refreshes on every INVOKE in JIT mode', async () => {
    await using x = await setup('0')
    const second = await x.write('two')
    await x.lambda.invoke()
    expect(x.revision()).toBe(second)
    const third = await x.write('three')
    await x.lambda.invoke()
    expect(x.revision()).toBe(third)
    expect(await x.value()).toBe('three')
  })

  it('exits 0 after SHUTDOWN, having dropped the secrets', async () => {
    await using x = await setup('60')
    x.lambda.shutdown({ deadlineInMs: 1000 })
    expect(await x.exit).toBe(0)
    await expect(x.value()).rejects.toMatchObject({ code: 'not_loaded' })
  })
})

describe('extensionErrorType', () => {
  it.each([
    ['signature_invalid', 'Extension.SignatureInvalid'],
    ['config_invalid', 'Extension.ConfigInvalid'],
    ['json_parse', 'Extension.JsonParse'],
    ['decrypt', 'Extension.Decrypt'],
  ])('%s → %s', (code, type) => {
    expect(extensionErrorType(code)).toBe(type)
  })
})
