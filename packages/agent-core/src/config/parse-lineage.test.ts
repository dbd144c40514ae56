import { describe, expect, it } from 'vitest'
import { resolveAgentOptions } from '../library/agent-options.ts'
import { parseConfig } from './parse-config.ts'

const VCS = {
  CLEF_AGENT_VCS_PROVIDER: 'github',
  CLEF_AGENT_VCS_REPO: 'acme/secrets',
  CLEF_AGENT_VCS_TOKEN: 'ghp_token',
  CLEF_AGENT_VCS_IDENTITY: 'api',
  CLEF_AGENT_VCS_ENVIRONMENT: 'production',
}

const lineageOf = (env: Record<string, string>): unknown => {
  const result = parseConfig(env)
  return result.ok ? (result.config.lineage ?? null) : result.issues
}

describe('lineage pin', () => {
  it.each([
    ['nothing pinned', { CLEF_AGENT_SOURCE: '/a.json' }, null],
    ['identity alone', { CLEF_AGENT_SOURCE: '/a.json', CLEF_AGENT_IDENTITY: 'api' }, { identity: 'api' }],
    ['implied by VCS', VCS, { identity: 'api', environment: 'production' }],
    [
      'VCS and an agreeing pin',
      { ...VCS, CLEF_AGENT_IDENTITY: 'api' },
      { identity: 'api', environment: 'production' },
    ],
    [
      'VCS and a contradicting pin',
      { ...VCS, CLEF_AGENT_ENVIRONMENT: 'staging' },
      [
        {
          variable: 'CLEF_AGENT_ENVIRONMENT',
          message: 'must match CLEF_AGENT_VCS_ENVIRONMENT when both are set',
        },
      ],
    ],
    [
      'a path instead of a name',
      { CLEF_AGENT_SOURCE: '/a.json', CLEF_AGENT_ENVIRONMENT: 'prod/eu' },
      [{ variable: 'CLEF_AGENT_ENVIRONMENT', message: expect.stringContaining('must be one name') }],
    ],
  ])('%s', (_name, env, expected) => {
    expect(lineageOf(env)).toEqual(expected)
  })

  it('library options pin too, and a parsed VCS source implies its own', () => {
    expect(resolveAgentOptions({ source: '/a.json', environment: 'production' }).config.lineage).toEqual({
      environment: 'production',
    })
    const source = {
      kind: 'github',
      repo: 'acme/s',
      identity: 'api',
      environment: 'production',
      token: 't',
    } as const
    expect(resolveAgentOptions({ source }).config.lineage).toEqual({
      identity: 'api',
      environment: 'production',
    })
    expect(() => resolveAgentOptions({ source, identity: 'billing' })).toThrow(
      /invalid agent options: identity must match CLEF_AGENT_VCS_IDENTITY/,
    )
  })
})
