// The state owner's transitions on their own: a real packed artifact, a fake clock, no agent.
import { expiresAtMs, parseArtifact, type PackedArtifact } from '@clef-sh/artifact-format'
import { ErrorCode } from '@clef-sh/errors'
import { createFakeClock, createPacker, type FakeClock } from '@clef-sh/testing'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  createAgentState,
  isLoaded,
  type AgentState,
  type FailureRecord,
  type HeldArtifact,
} from './state.ts'

const TTL = 60_000

const heldOf = (text: string, etag?: string): HeldArtifact => {
  const artifact: PackedArtifact = parseArtifact(text)
  return { artifact, text, etag, expiresAtMs: expiresAtMs(artifact) }
}

const failure = (clock: FakeClock, transient: boolean): FailureRecord => ({
  code: transient ? ErrorCode.SourceUnreachable : ErrorCode.SourceAuth,
  message: transient ? 'connection refused' : 'token rejected',
  at: clock.now(),
  transient,
})

describe('agent state: one owner of the transitions', () => {
  let clock: FakeClock
  let state: AgentState
  let held: HeldArtifact
  beforeEach(async () => {
    clock = createFakeClock(Date.UTC(2026, 0, 1))
    state = createAgentState({ now: clock.now, ttlMs: TTL })
    const packer = await createPacker(clock)
    held = heldOf(await packer.pack({ app: { KEY: 'v' } }), '"e1"')
  })

  it('starts idle, with nothing held, nothing failed and nothing fresh', () => {
    expect(state).toMatchObject({
      phase: 'idle',
      held: undefined,
      lastError: undefined,
      failClosed: undefined,
      lastSuccessAt: undefined,
      lastAttemptAt: undefined,
    })
    expect(state.isStale()).toBe(true)
    expect(isLoaded(state)).toBe(false)
  })

  it('walks idle → starting → running → stopped; starting again after stop is refused', () => {
    state.starting()
    expect(state.phase).toBe('starting')
    state.running()
    expect(isLoaded(state)).toBe(true)
    expect(state.stopped()).toBe('running')
    expect(state.phase).toBe('stopped')
    expect(() => {
      state.starting()
    }).toThrow(expect.objectContaining({ code: ErrorCode.NotLoaded }))
    // A first attempt that ends after stop() does not bring the agent back.
    state.running()
    expect(state.phase).toBe('stopped')
  })

  it('loaded + refreshed: holds the artifact, records the success once, fresh for the TTL', () => {
    state.loaded(held)
    state.refreshed()
    expect(state.held).toBe(held)
    expect(state.lastSuccessAt).toBe(clock.now())
    expect(state.isStale()).toBe(false)
    clock.advance(TTL)
    expect(state.isStale()).toBe(false)
    clock.advance(1)
    expect(state.isStale()).toBe(true)
    // Stale-if-error widens the window.
    expect(state.isStale(10_000)).toBe(false)
  })

  it('failed: a transient failure is recorded; a permanent one also closes stale-if-error until a success', () => {
    state.failed(failure(clock, true))
    expect(state.lastError?.code).toBe(ErrorCode.SourceUnreachable)
    expect(state.failClosed).toBeUndefined()
    const permanent = failure(clock, false)
    state.failed(permanent)
    state.failed(failure(clock, true))
    expect(state.lastError?.code).toBe(ErrorCode.SourceUnreachable)
    expect(state.failClosed).toBe(permanent)
    state.refreshed()
    expect(state.lastError).toBeUndefined()
    expect(state.failClosed).toBeUndefined()
  })

  it('decryptFailed (a JIT request) shows in lastError but never closes stale-if-error', () => {
    state.decryptFailed({ code: ErrorCode.KmsUnwrap, message: 'denied', at: clock.now(), transient: false })
    expect(state.lastError?.code).toBe(ErrorCode.KmsUnwrap)
    expect(state.failClosed).toBeUndefined()
  })

  it('restored (disk cache after a failed fetch): fresh again, the fetch failure still reported', () => {
    state.failed(failure(clock, true))
    state.loaded(held)
    state.restored()
    expect(state.isStale()).toBe(false)
    expect(state.lastSuccessAt).toBe(clock.now())
    expect(state.lastError?.code).toBe(ErrorCode.SourceUnreachable)
  })

  it('wiped: nothing held and stale at once, while health keeps the time of the last success', () => {
    state.loaded(held)
    state.refreshed()
    const at = clock.now()
    clock.advance(1000)
    expect(state.wiped()).toBe(held)
    expect(state.held).toBeUndefined()
    expect(state.isStale(Number.MAX_SAFE_INTEGER)).toBe(true)
    expect(state.lastSuccessAt).toBe(at)
    expect(state.wiped()).toBeUndefined()
  })

  it('heldExpired follows the held artifact’s expiresAt on the clock', async () => {
    expect(state.heldExpired()).toBe(false)
    const packer = await createPacker(clock)
    const expiresAt = new Date(clock.now() + 5000).toISOString()
    state.loaded(heldOf(await packer.pack({ app: { KEY: 'v' } }, { expiresAt })))
    expect(state.heldExpired()).toBe(false)
    clock.advance(5000)
    expect(state.heldExpired()).toBe(true)
  })

  it('revalidated keeps the new ETag of the artifact held, and ignores one wiped meanwhile', () => {
    state.loaded(held)
    state.revalidated(held.artifact, '"e2"')
    expect(state.held).toMatchObject({ artifact: held.artifact, text: held.text, etag: '"e2"' })
    const before = state.held
    state.wiped()
    state.revalidated(held.artifact, '"e3"')
    expect(state.held).toBeUndefined()
    expect(before?.etag).toBe('"e2"')
  })

  it('attempted records when the last refresh attempt ended', () => {
    clock.advance(42)
    state.attempted()
    expect(state.lastAttemptAt).toBe(clock.now())
  })
})
