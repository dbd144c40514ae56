import { describe, expect, it } from 'vitest'
import { buildChildEnv } from './child-env.ts'

const secrets = {
  app: { DB: 'postgres://x', 'odd.name-1': 'v' },
  web: { TOKEN: 't', 'a=b': 'x', NUL: 'a\0b' },
}

describe('buildChildEnv', () => {
  it('adds NS__KEY names over the base, drops every CLEF_AGENT_* variable', () => {
    const { env, skipped } = buildChildEnv({
      secrets,
      prefix: true,
      base: {
        PATH: '/bin',
        app__DB: 'shadowed',
        CLEF_AGENT_AGE_KEY: 'AGE-SECRET-KEY-1X',
        CLEF_AGENT_TOKEN: 't',
        UNSET: undefined,
      },
    })
    expect(env).toEqual({ PATH: '/bin', app__DB: 'postgres://x', 'app__odd.name-1': 'v', web__TOKEN: 't' })
    expect(skipped).toEqual(['web__a=b', 'web__NUL'])
  })

  it('uses bare names without prefix when every key is unique', () => {
    const { env } = buildChildEnv({ secrets: { app: { A: '1' }, web: { B: '2' } }, prefix: false, base: {} })
    expect(env).toEqual({ A: '1', B: '2' })
  })

  it('throws key_ambiguous naming the keys (never a value) when a bare key is in several namespaces', () => {
    const run = () =>
      buildChildEnv({
        secrets: { a: { K: 'secret-1', L: 'x' }, b: { K: 'secret-2' } },
        prefix: false,
        base: {},
      })
    expect(run).toThrow(/K exist in several namespaces/)
    try {
      run()
    } catch (e) {
      expect(e).toMatchObject({ code: 'key_ambiguous' })
      expect(String(e)).not.toContain('secret-')
    }
  })
})
