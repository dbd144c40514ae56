// Ending the process without waiting on work node cannot cancel. On its way out, process.exit()
// joins libuv's threadpool (uv_library_shutdown), so one read stuck on a hung network mount, or a
// DNS lookup stuck in getaddrinfo, holds the exit for as long as that system call blocks: minutes,
// or for ever. Such work shows as an active resource; when some is still there at the deadline,
// the process ends by its signal instead, which skips the join.
import type { Logger } from '@clef-sh/errors'

// Requests that run on a threadpool thread in a blocking system call: file system calls and the
// system resolver. (Crypto and zlib jobs also use the pool, but they only compute and end.) The
// agent's own file access (FileHandle, fs.open) shows on every Node; Node 26 no longer lists a
// path-based fs.readFile or fs.promises.readFile, so such a read by other code in the process is
// not seen.
const THREADPOOL_WORK = /^(FSReq|FileHandleCloseReq|GetAddrInfoReqWrap|GetNameInfoReqWrap)/
const POLL_MS = 20
// Should the signal's default action somehow not end the process.
const KILL_AFTER_MS = 1000

/** How many blocking threadpool requests (file system, getaddrinfo) are still pending. */
export const blockedRequests = (): number =>
  process.getActiveResourcesInfo().filter((r) => THREADPOOL_WORK.test(r)).length

/**
 * Waits until no file system or resolver request is pending, or `deadlineAt` (epoch ms) has
 * passed; resolves how many are still pending (0: `process.exit()` will not hang on them).
 */
export const settle = async (deadlineAt: number): Promise<number> => {
  while (blockedRequests() > 0 && Date.now() < deadlineAt) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  return blockedRequests()
}

/**
 * Ends the process by `signal` with its default action (status 128 + n), skipping the threadpool
 * join of `process.exit()`: for when {@link settle} left requests that may never return.
 */
export const endBySignal = (signal: NodeJS.Signals): void => {
  process.removeAllListeners(signal)
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), KILL_AFTER_MS).unref()
  process.kill(process.pid, signal)
}

/**
 * `process.exit(code)` once nothing blocks it, waiting until `deadlineAt`; past that, logs
 * `exit forced` (warn, `blocked: n`) and ends the process by `signal` instead. Never resolves.
 */
export const exitWhenSettled = async (
  code: number,
  opts: { deadlineAt: number; signal: NodeJS.Signals; logger?: Logger | undefined },
): Promise<never> => {
  const blocked = await settle(opts.deadlineAt)
  if (blocked === 0) return process.exit(code)
  opts.logger?.warn('exit forced', { blocked, signal: opts.signal })
  endBySignal(opts.signal)
  // The signal ends the process; nothing may run on as if it had exited.
  return new Promise<never>(() => undefined)
}
