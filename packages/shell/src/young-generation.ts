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
import { capYoungGenerationFlag, smallHeapFlag } from './process-flags.ts'

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

/**
 * For JIT mode. Every request decrypts there, and the objects of requests waiting on a decrypt
 * outlive a few young collections, so they move to the old generation. V8 lets it grow 8 MB past
 * what lived at the last full collection before it collects again (to 16 MB under load, and the
 * heap keeps those pages); sized for memory rather than speed it grows 2 MB. Takes effect at the
 * next full collection: take one once the first load is done (its garbage goes with it).
 */
export const favourSmallHeap = (): void => {
  smallHeapFlag()
}
