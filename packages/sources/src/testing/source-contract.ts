// The behaviour every ArtifactSource shares, run by each adapter's test against its own fake
// (a temp dir, a fake origin, a fake GitHub…): `runSourceContract('http', makeFixture)`.
import { ErrorCode, isAgentError, type AgentError } from '@clef-sh/errors'
import { describe, expect, it } from 'vitest'
import type { ArtifactSource, FetchResult } from '../source.ts'

/** A source under test plus the means to change what it serves. Disposed after each test. */
export type SourceFixture = AsyncDisposable & {
  source: ArtifactSource
  /** Makes `text` the artifact the source serves (creating or replacing it). */
  publish(text: string): Promise<void>
  /** Makes the artifact disappear (the source must then report `source_not_found`). */
  remove(): Promise<void>
  /** Credentials the source was configured with; none may appear in `describe()` or a message. */
  credentials?: readonly string[]
}

const SMALL = '{"version":1,"note":"héllo ✓ 🔐"}'
// Multi-byte characters across many chunks: decoding must not split a character in two.
const LARGE = JSON.stringify({ version: 1, pad: '€🔐'.repeat(40_000) })

const signal = (): AbortSignal => new AbortController().signal

const changedBody = (r: FetchResult): string => {
  if (!r.changed) throw new Error('expected a changed result')
  return r.body
}

const rejection = async (p: Promise<unknown>): Promise<AgentError> => {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  if (!isAgentError(e)) throw new Error(`expected an AgentError, got ${String(e)}`)
  return e
}

const expectNoCredential = (fx: SourceFixture, text: string): void => {
  for (const secret of fx.credentials ?? []) expect(text).not.toContain(secret)
  expect(text).not.toMatch(/\/\/[^/\s"]*:[^/\s"*]+@/)
}

/** Registers the shared source test suite (vitest) under `name`. */
export const runSourceContract = (name: string, make: () => Promise<SourceFixture>): void => {
  describe(`ArtifactSource contract: ${name}`, () => {
    it('returns the exact published body, with an etag', async () => {
      await using fx = await make()
      for (const text of [SMALL, LARGE]) {
        await fx.publish(text)
        const r = await fx.source.fetch({ signal: signal() })
        expect(changedBody(r)).toBe(text)
        expect(r.etag).toEqual(expect.any(String))
      }
    })

    it('is unchanged when fetched again with the returned etag, changed with a stale one', async () => {
      await using fx = await make()
      await fx.publish(SMALL)
      const first = await fx.source.fetch({ signal: signal() })
      const again = await fx.source.fetch({ signal: signal(), etag: first.etag })
      expect(again.changed).toBe(false)
      expect(again.etag ?? first.etag).toBe(first.etag)
      const stale = await fx.source.fetch({ signal: signal(), etag: '"not-the-current-etag"' })
      expect(changedBody(stale)).toBe(SMALL)
    })

    it('reports a republished artifact as changed, with a new etag', async () => {
      await using fx = await make()
      await fx.publish(SMALL)
      const first = await fx.source.fetch({ signal: signal() })
      await fx.publish(`${SMALL} `)
      const next = await fx.source.fetch({ signal: signal(), etag: first.etag })
      expect(changedBody(next)).toBe(`${SMALL} `)
      expect(next.etag).not.toBe(first.etag)
    })

    it('reports source_not_found, permanent and with a hint, once the artifact is removed', async () => {
      await using fx = await make()
      await fx.publish(SMALL)
      await fx.remove()
      const e = await rejection(fx.source.fetch({ signal: signal() }))
      expect(e.code).toBe(ErrorCode.SourceNotFound)
      expect(e.transient).toBe(false)
      expect(e.hint).toMatch(/packed/)
      expectNoCredential(fx, e.message)
    })

    it('rejects with a transient source_unreachable when the signal is already aborted', async () => {
      await using fx = await make()
      await fx.publish(SMALL)
      const e = await rejection(fx.source.fetch({ signal: AbortSignal.abort() }))
      expect(e.code).toBe(ErrorCode.SourceUnreachable)
      expect(e.transient).toBe(true)
    })

    it('describes itself by kind, without any credential', async () => {
      await using fx = await make()
      const text = fx.source.describe()
      expect(text.startsWith(`${fx.source.kind}:`)).toBe(true)
      expectNoCredential(fx, text)
    })
  })
}

/** A fake that serves one artifact and can replace or drop it (the VCS and object-store fakes). */
export interface ArtifactFake {
  setArtifact(text: string): unknown
  remove(): void
  close(): Promise<void>
}

/** The {@link SourceFixture} of a `source` reading from `fake`, configured with `credentials`. */
export const fakeFixture = (
  fake: ArtifactFake,
  source: ArtifactSource,
  credentials: readonly string[],
): SourceFixture => ({
  source,
  credentials,
  publish: (text) => {
    fake.setArtifact(text)
    return Promise.resolve()
  },
  remove: () => {
    fake.remove()
    return Promise.resolve()
  },
  [Symbol.asyncDispose]: () => fake.close(),
})
