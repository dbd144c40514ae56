// Test support for the agent suites (not exported): a fake clock whose timers fire on demand, a
// recording logger, config and artifact builders. Real files, real age keys, real sources.
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { KmsResolver, KmsUnwrapper } from '@clef-sh/decrypt'
import type { LogFields, Logger } from '@clef-sh/errors'
import { createAgeKey, newRevision, packArtifact, VECTORS_DIR, type PackOptions } from '@clef-sh/testing'
import type { AgentConfig } from '../config/types.ts'
import type { Agent, RefreshEvent, Timers } from './types.ts'

/** A pending fake timer. */
export interface PendingTimer {
  readonly ms: number
  readonly at: number
  readonly fn: () => void
}

/** A clock plus timers that only fire when the test says so. */
export interface FakeClock {
  readonly now: () => number
  readonly advance: (ms: number) => void
  readonly timers: Timers
  readonly pending: () => PendingTimer[]
  /** Moves the clock to the earliest pending timer and runs it. */
  readonly fire: () => PendingTimer
}

/** Creates a {@link FakeClock} starting at the real time (so packedAt/revisions look current). */
export const createFakeClock = (start: number = Date.now()): FakeClock => {
  let t = start
  let seq = 0
  const timers = new Map<number, PendingTimer>()
  const pending = () => [...timers.values()].sort((a, b) => a.at - b.at)
  return {
    now: () => t,
    advance: (ms) => {
      t += ms
    },
    timers: {
      setTimeout: (fn, ms) => {
        seq += 1
        timers.set(seq, { fn, ms, at: t + ms })
        return seq
      },
      clearTimeout: (handle) => {
        timers.delete(handle as number)
      },
    },
    pending,
    fire: () => {
      const next = pending()[0]
      if (next === undefined) throw new Error('no pending timer')
      for (const [id, timer] of timers) if (timer === next) timers.delete(id)
      t = Math.max(t, next.at)
      next.fn()
      return next
    },
  }
}

/** One recorded log line. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  msg: string
  fields: LogFields
}

/** A logger that keeps every line. */
export const createLogRecorder = (): Logger & { lines: LogLine[] } => {
  const lines: LogLine[] = []
  const at =
    (level: LogLine['level']) =>
    (msg: string, fields: LogFields = {}): void => {
      lines.push({ level, msg, fields })
    }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** The next refresh event of `agent`. */
export const nextEvent = (agent: Agent): Promise<RefreshEvent> =>
  new Promise((resolve) => {
    const off = agent.onRefresh((e) => {
      off()
      resolve(e)
    })
  })

/** Fires the next timer and waits for the refresh it starts, and for the loop to re-arm. */
export const tick = async (agent: Agent, clock: FakeClock): Promise<RefreshEvent> => {
  const event = nextEvent(agent)
  clock.fire()
  const result = await event
  await new Promise((resolve) => setImmediate(resolve))
  return result
}

/** A complete config with test defaults; `overrides` win. */
export const testConfig = (overrides: Partial<AgentConfig> & Pick<AgentConfig, 'source'>): AgentConfig => ({
  ageKey: undefined,
  port: 7779,
  token: 'test-token',
  tokenFile: '/nonexistent/token',
  agentId: 'test-agent',
  ttlMs: 300_000,
  staleIfErrorMs: 0,
  allowRollback: false,
  logLevel: 'debug',
  logFormat: 'json',
  ...overrides,
})

/** Packs artifacts for one age key. */
export interface Packer {
  identity: string
  recipient: string
  pack(values: PackOptions['values'], opts?: Omit<PackOptions, 'values' | 'recipient'>): Promise<string>
}

/** An age key pair and a packer bound to it, with revisions and times from `clock`. */
export const createPacker = async (clock: FakeClock): Promise<Packer> => {
  const key = await createAgeKey()
  const pack: Packer['pack'] = (values, opts = {}) =>
    packArtifact({ recipient: key.recipient, revision: newRevision(clock.now()), values, ...opts })
  return { identity: key.identity, recipient: key.recipient, pack }
}

/** Writes `text` where a file source reads it. */
export const writeArtifact = (dir: string, text: string, name = 'artifact.json'): Promise<void> =>
  writeFile(join(dir, name), text)

interface KmsMapping {
  keyId: string
  wrappedKey: string
  dek: string
}

const VECTOR_MAPPINGS = JSON.parse(
  readFileSync(join(VECTORS_DIR, 'keys', 'kms-mappings.json'), 'utf8'),
) as KmsMapping[]

/** A counting in-process KMS. */
export interface CountingKms {
  resolver: KmsResolver
  unwraps(): number
  /** While true, every unwrap is refused like a revoked KMS grant. */
  refuse: boolean
}

/** An in-process KMS that unwraps the vectors' mappings plus `extra`, counting unwraps. */
export const createCountingKms = (extra: KmsMapping[] = []): CountingKms => {
  let unwraps = 0
  const unwrapper: KmsUnwrapper = {
    provider: 'aws',
    unwrap: async (req) => {
      unwraps += 1
      await new Promise((resolve) => setImmediate(resolve))
      if (kms.refuse) throw new Error('AccessDeniedException')
      const wrapped = Buffer.from(req.wrappedKey).toString('base64')
      const found = [...VECTOR_MAPPINGS, ...extra].find(
        (m) => m.wrappedKey === wrapped && m.keyId === req.keyId,
      )
      if (found === undefined) throw new Error('InvalidCiphertextException')
      return Buffer.from(found.dek, 'base64')
    },
  }
  const kms: CountingKms = {
    resolver: () => Promise.resolve(unwrapper),
    unwraps: () => unwraps,
    refuse: false,
  }
  return kms
}
