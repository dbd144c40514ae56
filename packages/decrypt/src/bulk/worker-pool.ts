// JIT mode decrypts on every request; on the event loop, 50 clients of a large artifact kept
// /v1/health waiting for seconds. The bulk of each decrypt (the age payload, the envelope's
// AES-GCM) runs here instead, in a few worker threads started from the openers' source text. Keys
// travel by message (memory only, zeroed in the worker after use); plaintext comes back as a
// transferred buffer, never copied on the way. Released plaintext buffers are zeroed and reused
// for the next decrypts (a few, for a second): a fresh buffer per request made the allocator grow
// and keep the memory after the load.
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { IN_THREAD, type BulkOpener } from './in-thread.ts'
import { createBufferRecycler } from './buffer-recycler.ts'
import type { Opened } from './sealed-openers.ts'
import { WORKER_SOURCE } from './worker-source.ts'

/** Options of {@link createBulkPool}. */
export interface BulkPoolOptions {
  /** Worker threads; default: one fewer than the cores (the event loop keeps one), 1 to 4. */
  size?: number
  /** Released plaintext buffers kept for reuse, at most; default 2. */
  maxFree?: number
  /** Kept buffers are dropped once no decrypt asked for one this long; default 1000 ms. */
  keepFreeMs?: number
  /**
   * Workers end once no decrypt ran this long, and their memory (heap, garbage of past
   * decrypts) with them; the next decrypt starts one again. Default 5000 ms.
   */
  idleMs?: number
}

/** A {@link BulkOpener} backed by worker threads; `close` ends them (pending jobs reject). */
export interface BulkPool extends BulkOpener {
  /** Worker threads running now. */
  readonly threads: number
  close(): Promise<void>
}

// `out`, when set, is a zeroed buffer of exactly the plaintext's length, transferred to the worker.
type Job =
  | { kind: 'age'; key: Uint8Array; payload: Uint8Array; out?: ArrayBuffer | undefined }
  | {
      kind: 'gcm'
      key: Uint8Array
      iv: Uint8Array
      tag: Uint8Array
      ciphertext: Uint8Array
      out?: ArrayBuffer | undefined
    }

interface Reply {
  id: number
  ok: boolean
  plain?: ArrayBuffer
  reason?: string
}

interface Slot {
  worker: Worker
  pending: Map<number, (opened: Opened | Error) => void>
}

const defaultSize = (): number => Math.min(4, Math.max(1, availableParallelism() - 1))

const workerFailed = (): AgentError =>
  new AgentError(ErrorCode.Decrypt, 'decrypt worker failed', { transient: true })

/**
 * Creates a pool of `size` decrypt workers, started on first use and not keeping the process
 * alive. A job goes to the worker with the fewest pending jobs. A worker that dies rejects its
 * pending jobs with a transient AgentError `decrypt` and is replaced at the next job.
 */
export const createBulkPool = (opts: BulkPoolOptions = {}): BulkPool => {
  const size = opts.size ?? defaultSize()
  const buffers = createBufferRecycler({ maxFree: opts.maxFree ?? 2, keepFreeMs: opts.keepFreeMs ?? 1000 })
  const slots: Slot[] = []
  const idleMs = opts.idleMs ?? 5000
  let nextId = 0
  let closed = false
  let lastJob = 0
  let idleTimer: ReturnType<typeof setTimeout> | undefined

  // Ends every worker once none has had a job for idleMs (checked again later when one had).
  const retireWhenIdle = (): void => {
    idleTimer = undefined
    const quiet = performance.now() - lastJob
    if (slots.some((s) => s.pending.size > 0) || quiet < idleMs) {
      armIdle(Math.max(idleMs - quiet, 100))
      return
    }
    for (const slot of slots.splice(0)) void slot.worker.terminate()
  }
  const armIdle = (ms: number): void => {
    idleTimer ??= setTimeout(retireWhenIdle, ms)
    idleTimer.unref()
  }

  const drop = (slot: Slot): void => {
    const at = slots.indexOf(slot)
    if (at >= 0) slots.splice(at, 1)
    for (const settle of slot.pending.values()) settle(workerFailed())
    slot.pending.clear()
  }

  const spawn = (): Slot => {
    // node:worker_threads loads with the first worker, not with the agent: an agent that never
    // decrypts in a worker (cached mode) starts without it (Node 20: 0.6 ms, five modules).
    const { Worker } = process.getBuiltinModule('node:worker_threads')
    // A small young generation: the worker's own garbage is a few buffers per job.
    const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 4 } })
    worker.unref()
    const slot: Slot = { worker, pending: new Map() }
    worker.on('message', ({ id, ok, plain, reason }: Reply) => {
      const settle = slot.pending.get(id)
      slot.pending.delete(id)
      settle?.(
        ok && plain !== undefined
          ? { ok: true, plain: buffers.lease(plain) }
          : { ok: false, reason: reason ?? 'unexpected error' },
      )
    })
    worker.on('error', () => {
      drop(slot)
    })
    worker.on('exit', () => {
      drop(slot)
    })
    slots.push(slot)
    return slot
  }

  const pick = (): Slot => {
    const idle = slots.find((s) => s.pending.size === 0)
    if (idle !== undefined) return idle
    if (slots.length < size) return spawn()
    return slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a))
  }

  const run = (job: Job): Promise<Opened> => {
    if (closed) return Promise.reject(new AgentError(ErrorCode.NotLoaded, 'the agent is stopping'))
    const slot = pick()
    const id = nextId++
    lastJob = performance.now()
    armIdle(idleMs)
    return new Promise<Opened>((resolve, reject) => {
      slot.pending.set(id, (opened) => {
        if (opened instanceof Error) reject(opened)
        else resolve(opened)
      })
      // Structured clone copies the key (the caller zeroes its own) and shares a shared buffer;
      // the output buffer moves to the worker and back.
      slot.worker.postMessage({ id, job }, job.out === undefined ? [] : [job.out])
    })
  }

  return {
    openAgePayload: (key, payload) =>
      run({ kind: 'age', key, payload, out: buffers.take(IN_THREAD.agePlainLength(payload.length)) }),
    openAesGcm: (box) => run({ kind: 'gcm', ...box, out: buffers.take(box.ciphertext.length) }),
    release: buffers.release,
    get threads() {
      return slots.length
    },
    async close() {
      closed = true
      buffers.clear()
      if (idleTimer !== undefined) clearTimeout(idleTimer)
      await Promise.all(slots.map((s) => s.worker.terminate()))
    },
  }
}
