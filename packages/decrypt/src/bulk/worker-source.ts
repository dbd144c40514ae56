// The source text of a decrypt worker (worker-pool.ts starts each from it).
import { createSealedOpeners } from './sealed-openers.ts'

// The worker: the openers built from their own source, one job per message, writing into the
// job's buffer when it has one. A result is handed over as a whole ArrayBuffer (openers allocate
// outside Buffer's shared pool), the key zeroed.
//
// node:crypto's decipher hands back a fresh buffer per 64 KiB chunk, memory outside the
// JavaScript heap that only a collection frees. The worker allocates little else, so V8 rarely
// collected there and 30–75 MB of dead chunks piled up under JIT load. A young-generation
// collection after every GC_EVERY bytes opened (well under a millisecond) frees them.
const GC_EVERY = 256 * 1024

/** The worker's program (CommonJS, run with `eval: true`). */
export const WORKER_SOURCE: string = `'use strict'
const { parentPort } = require('node:worker_threads')
const openers = (${createSealedOpeners.toString()})(require('node:crypto'))
// gc() without leaving --expose-gc set: V8 stamps code caches with its flags, the process's too.
const v8 = require('node:v8')
v8.setFlagsFromString('--expose-gc')
const collect = require('node:vm').runInNewContext('gc')
v8.setFlagsFromString('--no-expose-gc')
let sinceCollect = 0
const collectEvery = (bytes) => {
  sinceCollect += bytes
  if (sinceCollect < ${String(GC_EVERY)}) return
  sinceCollect = 0
  collect({ type: 'minor' })
}
parentPort.on('message', ({ id, job }) => {
  collectEvery(job.kind === 'age' ? job.payload.length : job.ciphertext.length)
  let opened
  const out = job.out === undefined ? undefined : Buffer.from(job.out)
  try {
    opened = job.kind === 'age' ? openers.openAgePayload(job.key, job.payload, out) : openers.openAesGcm(job, out)
  } catch {
    opened = { ok: false, reason: 'unexpected error' }
  } finally {
    job.key.fill(0)
  }
  if (!opened.ok) {
    out?.fill(0)
    return parentPort.postMessage({ id, ok: false, reason: opened.reason })
  }
  const { buffer, byteOffset, byteLength } = opened.plain
  const whole = byteOffset === 0 && byteLength === buffer.byteLength
  const plain = whole ? buffer : buffer.slice(byteOffset, byteOffset + byteLength)
  if (!whole) opened.plain.fill(0)
  parentPort.postMessage({ id, ok: true, plain }, [plain])
})
`
