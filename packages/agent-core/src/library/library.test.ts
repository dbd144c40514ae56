import { writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { createAgeKey, packArtifact, startHttpOrigin, tempDir } from '@clef-sh/testing'
import { AgentError, ErrorCode, createAgent, fromEnv, isAgentError, loadSecrets } from '../index.ts'

const writePacked = async (path: string, values: Record<string, Record<string, string>>) => {
  const key = await createAgeKey()
  await writeFile(path, await packArtifact({ recipient: key.recipient, values }))
  return key.identity
}

const thrown = (fn: () => unknown): Error => {
  try {
    fn()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a throw')
}

describe('library API', () => {
  it('serves two agents with different artifacts independently; stopping one leaves the other', async () => {
    await using dir = await tempDir()
    const keyA = await writePacked(dir.file('a.json'), { app: { TOKEN: 'token-a' } })
    const keyB = await writePacked(dir.file('b.json'), { app: { TOKEN: 'token-b' }, db: { URL: 'pg://b' } })
    await using a = createAgent({ source: dir.file('a.json'), ageKey: keyA })
    await using b = createAgent({ source: dir.file('b.json'), ageKey: keyB })
    await Promise.all([a.start(), b.start()])
    expect(await a.get('app', 'TOKEN')).toBe('token-a')
    expect(await b.get('app', 'TOKEN')).toBe('token-b')
    expect(await a.get('db__URL')).toBeUndefined()
    await a.stop()
    expect(a.ready).toBe(false)
    await expect(a.getAll()).rejects.toMatchObject({ code: 'not_loaded' })
    expect(b.ready).toBe(true)
    expect(await b.env()).toEqual({ app__TOKEN: 'token-b', db__URL: 'pg://b' })
    expect(await b.secret('db', 'URL')).toBe('pg://b')
    expect(await b.secret('db', 'constructor')).toBeUndefined()
  })

  it('loadSecrets reads once from a config made by fromEnv', async () => {
    await using dir = await tempDir()
    const identity = await writePacked(dir.file('s.json'), { ns: { K: 'v1' } })
    const config = fromEnv({ CLEF_AGENT_SOURCE: dir.file('s.json'), CLEF_AGENT_AGE_KEY: identity })
    expect(config.ttlMs).toBe(300_000)
    expect(await loadSecrets(config)).toEqual({ ns: { K: 'v1' } })
  })

  it('loadSecrets rejects with the code that kept the secrets from loading', async () => {
    await using dir = await tempDir()
    await writePacked(dir.file('s.json'), { ns: { K: 'v1' } })
    const other = await createAgeKey()
    await expect(loadSecrets({ source: dir.file('s.json'), ageKey: other.identity })).rejects.toMatchObject({
      code: 'decrypt',
    })
    await expect(
      loadSecrets({ source: dir.file('missing.json'), ageKey: other.identity }),
    ).rejects.toMatchObject({ code: 'source_not_found' })
  })

  it('fromEnv and typed options throw config_invalid naming every issue, never the key', () => {
    const bad = { CLEF_AGENT_CACHE_TTL: '5', CLEF_AGENT_AGE_KEY: 'not-a-key-zq81x', CLEF_AGENT_NOPE: '1' }
    const error = thrown(() => fromEnv(bad))
    expect(error).toMatchObject({ code: 'config_invalid' })
    for (const name of ['CLEF_AGENT_SOURCE', 'CLEF_AGENT_CACHE_TTL', 'CLEF_AGENT_AGE_KEY', 'CLEF_AGENT_NOPE'])
      expect(error.message).toContain(name)
    expect(error.message).not.toContain('zq81x')
    const fromOptions = thrown(() => createAgent({ source: 'a.json', cacheTtl: 5, ageKey: 'x' }))
    expect(fromOptions).toMatchObject({ code: 'config_invalid' })
    expect(fromOptions.message).toMatch(/ageKey must.*cacheTtl must/)
  })

  it('rejects an unknown option name from JavaScript with the closest known one, like fromEnv', async () => {
    const options = { source: 'a.json', ageKeyfile: './key.txt', cacheTTL: 60 }
    // A JavaScript caller: no excess-property check stands between the typo and the agent.
    const error = thrown(() => createAgent(options))
    expect(error).toBeInstanceOf(AgentError)
    expect(isAgentError(error) && error.code === ErrorCode.ConfigInvalid).toBe(true)
    expect(error.message).toContain('ageKeyfile is not a known option; did you mean ageKeyFile?')
    expect(error.message).toContain('cacheTTL is not a known option; did you mean cacheTtl?')
    const lowercase = { source: 'a.json', agekey: 'x' }
    await expect(loadSecrets(lowercase)).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('did you mean ageKey?'),
    })
  })

  it('follows the name rules of every face: a flat name two namespaces produce is key_ambiguous', async () => {
    await using dir = await tempDir()
    const values = { a__b: { c: 'value-one' }, a: { b__c: 'value-two' }, x: { OK: 'fine' } }
    const identity = await writePacked(dir.file('s.json'), values)
    await using agent = createAgent({ source: dir.file('s.json'), ageKey: identity })
    await agent.start()
    await expect(agent.get('a__b__c')).rejects.toMatchObject({ code: 'key_ambiguous' })
    await expect(agent.env()).rejects.toMatchObject({
      code: 'key_ambiguous',
      message: expect.stringContaining('a__b__c'),
    })
    await expect(agent.env()).rejects.not.toMatchObject({ message: expect.stringContaining('value-') })
    expect(await agent.keys()).toEqual(['a__b__c', 'x__OK'])
    expect(await agent.get('a', 'b__c')).toBe('value-two')
    expect(await agent.get('x__OK')).toBe('fine')
    expect(await agent.getAll()).toEqual(values)
  })

  it('get and getAll before start() resolves wait for the first load (origin 1.5 s)', async () => {
    const key = await createAgeKey()
    const values = { app: { K: 'slow-v' } }
    await using origin = await startHttpOrigin({
      body: await packArtifact({ recipient: key.recipient, values }),
    })
    origin.delayMs = 1500
    await using agent = createAgent({ source: origin.url, ageKey: key.identity })
    const started = agent.start()
    const [all, one] = await Promise.all([agent.getAll(), agent.get('app__K')])
    expect(all).toEqual(values)
    expect(one).toBe('slow-v')
    await started
    await using idle = createAgent({ source: origin.url, ageKey: key.identity })
    await expect(idle.getAll()).rejects.toMatchObject({ code: 'not_loaded' })
  })

  it('accepts a parsed source object and stops when its AbortSignal aborts', async () => {
    await using dir = await tempDir()
    const identity = await writePacked(dir.file('s.json'), { ns: { K: 'v2' } })
    const controller = new AbortController()
    const agent = createAgent({
      source: { kind: 'file', path: dir.file('s.json') },
      ageKey: identity,
      cacheTtl: 0,
      signal: controller.signal,
    })
    await agent.start()
    expect(await agent.get('ns', 'K')).toBe('v2')
    expect(await agent.keys()).toEqual(['ns__K'])
    controller.abort()
    await new Promise((resolve) => setImmediate(resolve))
    expect(agent.ready).toBe(false)
    await expect(agent.start()).rejects.toMatchObject({ code: 'not_loaded' })
  })
})
