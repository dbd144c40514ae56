// The embedded demo pair is examples/demo/'s, so the README's files and `clef-agent demo` agree; and
// the demo's environment leaves the user's own settings alone.
import { readFileSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEMO_AGE_KEY, DEMO_ARTIFACT } from './demo-artifact.ts'
import { demoEnv } from './demo.ts'

const example = (name: string): string =>
  readFileSync(new URL(`../../../examples/demo/${name}`, import.meta.url), 'utf8')

describe('the embedded demo artifact', () => {
  it('is examples/demo/artifact.json, with the key of examples/demo/demo.agekey', () => {
    expect(DEMO_ARTIFACT).toEqual(JSON.parse(example('artifact.json')))
    const keys = example('demo.agekey')
      .split('\n')
      .filter((l) => l.startsWith('AGE-SECRET-KEY-'))
    expect(keys).toEqual([DEMO_AGE_KEY])
  })

  it('is written, still encrypted, to a private directory as the source; the demo key is inline', () => {
    const env = demoEnv({ PATH: '/usr/bin' })
    const source = env['CLEF_AGENT_SOURCE'] ?? ''
    expect(JSON.parse(readFileSync(source, 'utf8'))).toEqual(DEMO_ARTIFACT)
    expect(statSync(source).mode & 0o777).toBe(0o600)
    expect(statSync(dirname(source)).mode & 0o777).toBe(0o700)
    expect(env).toMatchObject({
      PATH: '/usr/bin',
      CLEF_AGENT_AGE_KEY: DEMO_AGE_KEY,
      CLEF_AGENT_LOG_FORMAT: 'pretty',
    })
    expect(env['CLEF_AGENT_AGE_KEY_FILE']).toBeUndefined()
  })

  it('leaves a source, a key and a log format the user set alone', () => {
    const own = {
      CLEF_AGENT_SOURCE: 'https://example.com/a.json',
      CLEF_AGENT_AGE_KEY_FILE: '/run/key',
      CLEF_AGENT_LOG_FORMAT: 'json',
    }
    expect(demoEnv(own)).toEqual(own)
    expect(demoEnv({ CLEF_AGENT_VCS_PROVIDER: 'github', CLEF_AGENT_AGE_KEY: 'k' })).toEqual({
      CLEF_AGENT_VCS_PROVIDER: 'github',
      CLEF_AGENT_AGE_KEY: 'k',
      CLEF_AGENT_LOG_FORMAT: 'pretty',
    })
  })
})
