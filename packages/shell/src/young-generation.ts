// Under sustained load V8 doubles the young generation (where new objects live) every time the
// objects of in-flight requests survive a few collections, up to its maximum: 32 MB on Node 20,
// more on later Nodes. It then keeps that memory for as long as the process lives, load or not:
// this was most of what the agent's RSS grew by under load. The agent's requests are short, so a
// young generation at its initial size costs no measurable throughput (bench/probes.mjs, bench/
// run.mjs) and keeps those tens of MB off RSS.
//
// V8 grows the young generation by `--semi-space-growth-factor`, which it reads at each growth; 1
// stops the growth. A command-line flag cannot do this (V8 raises the factor to 2 while it sets up
// a heap), and a new isolate does the same to the process-wide value: so it is set again once each
// worker thread is online. Process-wide, hence here in the shell and not in a library an
// application embeds.
import type { Worker } from 'node:worker_threads'
import { fullGc } from './idle-gc.ts'
import { capYoungGenerationFlag, normalHeapFlag, smallHeapFlag } from './process-flags.ts'

const onWorker = (worker: Worker): void => {
  worker.once('online', capYoungGenerationFlag)
}

let capped = false

/**
 * Keeps V8's young generation at its initial size from now on, for the rest of the process,
 * worker threads included. Calling it again does nothing.
 */
export const capYoungGeneration = (): void => {
  if (capped) return
  capped = true
  capYoungGenerationFlag()
  process.on('worker', onWorker)
}

/** Above this much old generation, V8 sizes the heap as usual (see {@link collectAndSizeHeap}). */
const SMALL_HEAP_BYTES = 32 * 2 ** 20

const oldGenerationUsed = (): number =>
  process
    .getBuiltinModule('node:v8')
    .getHeapSpaceStatistics()
    .find((s) => s.space_name === 'old_space')?.space_used_size ?? 0

/**
 * For JIT mode: a full garbage collection, after which V8 sizes the heap for memory rather than
 * speed while the old generation is small. Every request decrypts in JIT mode, and the objects of
 * requests waiting on a decrypt outlive a few young collections, so they move to the old
 * generation; V8 lets it grow 8 MB past what lived at the last full collection before it collects
 * again (to 16 MB under load on 5,000 keys, and the heap keeps those pages). Sized for memory it
 * grows 2 MB. A large heap (a 100,000-key artifact) is left to V8's own sizing: kept that tight it
 * was collected so often that probes waited up to 0.9 s. The sizing takes effect at the collection,
 * so the size is judged before it (garbage included, which only errs towards V8's own).
 */
export const collectAndSizeHeap = (): void => {
  if (oldGenerationUsed() <= SMALL_HEAP_BYTES) smallHeapFlag()
  else normalHeapFlag()
  fullGc()
}
