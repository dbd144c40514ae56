// The seam between cached and JIT mode (docs/DESIGN.md: pick once). The agent holds one SecretsProvider,
// chosen at createAgent, and never asks which mode it is in.
import type { PackedArtifact, SecretValues, SecretsSnapshot } from '@clef-sh/artifact-format'

/** A snapshot (artifact-format's SecretsSnapshot) of decrypted `values`; the server serializes them, once per snapshot. */
export const createSnapshot = (revision: string, values: SecretValues): SecretsSnapshot => ({
  revision,
  values,
})

/** What the providers report about their decrypts. Neither callback may throw or keep `values`. */
export interface DecryptObserver {
  /** Every decrypt, successful or not, in seconds (the metrics histogram). */
  readonly duration: (seconds: number) => void
  /** The values of each accepted revision (the telemetry auth headers live among the secrets). */
  readonly loaded: (artifact: PackedArtifact, values: SecretValues) => void
}

/**
 * Runs `work`, reporting its duration to `observer` whether it succeeds or not. The clock is
 * `process.hrtime`: the first use of `performance` loads Node's perf_hooks internals, about a
 * millisecond of the first load, which readiness waits on.
 */
export const timed = async <T>(observer: DecryptObserver, work: () => Promise<T>): Promise<T> => {
  const started = process.hrtime.bigint()
  try {
    return await work()
  } finally {
    observer.duration(Number(process.hrtime.bigint() - started) / 1e9)
  }
}

/** Holds what the agent serves: decrypted values (cached) or the encrypted artifact (JIT). */
export interface SecretsProvider {
  readonly mode: 'cached' | 'jit'
  /**
   * Decrypts a checked artifact (the proof it can be served) and makes it current in one swap.
   * On failure the previous artifact stays. Throws the Decryptor's codes (`decrypt`, `kms_unwrap`, …).
   */
  accept(artifact: PackedArtifact, signal: AbortSignal): Promise<void>
  /** True when something is held that can be served. */
  loaded(): boolean
  /**
   * The current secrets; synchronous in cached mode (no promise on the hot path), a fresh decrypt
   * in JIT mode. Throws AgentError `not_loaded` when nothing is held.
   */
  snapshot(): SecretsSnapshot | Promise<SecretsSnapshot>
  /** True when the held secrets outlived the TTL plus `graceMs` with no successful fetch; never in JIT mode. */
  isStale(graceMs?: number): boolean
  /** Drops everything held, plaintext first. */
  wipe(): void
}
