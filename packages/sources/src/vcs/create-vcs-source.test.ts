import { ErrorCode } from '@clef-sh/errors'
import { startFakeBitbucket, startFakeGitHub, startFakeGitLab, type FakeVcs } from '@clef-sh/testing'
import { describe, expect, it } from 'vitest'
import { createSource } from '../create-source.ts'

const TOKEN = 'tok-Sup3rSecret'
const live = () => new AbortController().signal
const thrown = (make: () => unknown): unknown => {
  try {
    return make()
  } catch (e) {
    return e
  }
}

const fakes = {
  github: () => startFakeGitHub({ token: TOKEN }),
  gitlab: () => startFakeGitLab({ token: TOKEN }),
  bitbucket: () => startFakeBitbucket({ token: TOKEN }),
} satisfies Record<string, () => Promise<FakeVcs>>

describe('createSource for VCS kinds', () => {
  it.each(['github', 'gitlab', 'bitbucket'] as const)(
    'builds a %s source with the shared fetch and cap',
    async (kind) => {
      await using fake = await fakes[kind]()
      fake.setArtifact('x'.repeat(50))
      let calls = 0
      const counting: typeof fetch = (input, init) => {
        calls++
        return fetch(input, init)
      }
      const config = {
        kind,
        repo: 'acme/clef-secrets',
        identity: 'api',
        environment: 'production',
        token: TOKEN,
        apiUrl: fake.url,
      }
      const source = createSource(config, { fetch: counting, maxBytes: 50 })
      expect(source.kind).toBe(kind)
      expect(source.describe()).toBe(`${kind}:acme/clef-secrets/.clef/packed/api/production.age.json@main`)
      await expect(source.fetch({ signal: live() })).resolves.toMatchObject({ changed: true })
      expect(calls).toBeGreaterThan(0)
      const small = createSource(config, { maxBytes: 49 })
      await expect(small.fetch({ signal: live() })).rejects.toMatchObject({ code: ErrorCode.SourceTooLarge })
      const other = createSource({ ...config, ref: 'dev' })
      await expect(other.fetch({ signal: live() })).rejects.toMatchObject({ code: ErrorCode.SourceNotFound })
    },
  )

  it('refuses bad VCS options as config_invalid', () => {
    const config = {
      kind: 'github',
      repo: 'no-owner',
      identity: 'api',
      environment: 'p',
      token: TOKEN,
    } as const
    expect(thrown(() => createSource(config))).toMatchObject({ code: ErrorCode.ConfigInvalid })
  })
})
