import { describe, expect, it } from 'vitest'
import { containerEnv } from './container-env.ts'

describe('containerEnv', () => {
  it('puts the token in /run/clef unless the operator says otherwise', () => {
    expect(containerEnv({ CLEF_AGENT_SOURCE: 's' })).toEqual({
      CLEF_AGENT_SOURCE: 's',
      CLEF_AGENT_TOKEN_FILE: '/run/clef/token',
    })
    expect(containerEnv({ CLEF_AGENT_TOKEN_FILE: '/x/t' })['CLEF_AGENT_TOKEN_FILE']).toBe('/x/t')
  })
})
