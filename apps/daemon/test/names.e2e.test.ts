// One set of secret-name rules at every face of the daemon: an artifact where two secrets share the
// flat name `a__b__c` (`{"a__b":{"c":…},"a":{"b__c":…}}`) gets the same answer over HTTP and from
// `exec`, and no face ever shows one of the two values for that name.
import { writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { createAgeKey, packArtifact, tempDir } from '@clef-sh/testing'
import { runDaemon, startDaemon, waitLoaded } from './harness.ts'

const COLLIDING = { a__b: { c: 'value-one-q81' }, a: { b__c: 'value-two-q82' }, x: { OK: 'fine' } }

const writeColliding = async (path: string): Promise<Record<string, string>> => {
  const key = await createAgeKey()
  await writeFile(path, await packArtifact({ recipient: key.recipient, values: COLLIDING }))
  return { CLEF_AGENT_SOURCE: path, CLEF_AGENT_AGE_KEY: key.identity }
}

describe('a flat name two namespaces produce', () => {
  it('is 409 key_ambiguous over HTTP and listed once by /v1/keys', async () => {
    await using dir = await tempDir()
    await using daemon = await startDaemon(await writeColliding(dir.file('a.json')))
    await waitLoaded(daemon)
    const one = await daemon.get('/v1/secrets/a__b__c')
    expect(one.status).toBe(409)
    expect(one.json).toMatchObject({ code: 'key_ambiguous' })
    expect(one.text).not.toContain('value-')
    const keys = await daemon.get('/v1/keys')
    expect(keys.json).toEqual(['a__b__c', 'x__OK'])
    expect((await daemon.get('/v1/secrets/x__OK')).json).toEqual({ key: 'x__OK', value: 'fine' })
    expect((await daemon.get('/v1/secrets')).json).toEqual(COLLIDING)
  })

  it('keeps exec from starting the command, naming the name and never a value', async () => {
    await using dir = await tempDir()
    const env = await writeColliding(dir.file('a.json'))
    const run = await runDaemon(['exec', '--', 'node', '-e', 'process.stdout.write("child ran")'], env)
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/key_ambiguous.*a__b__c/)
    expect(run.output).not.toContain('child ran')
    expect(run.output).not.toContain('value-')
  })
})
