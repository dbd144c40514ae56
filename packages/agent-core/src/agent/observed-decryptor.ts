// Sees every decrypt from outside the providers: its duration (the metrics histogram) and the
// values of each newly loaded revision (the telemetry auth headers live among the secrets).
import type { PackedArtifact, SecretValues } from '@clef-sh/artifact-format'
import type { Decryptor } from '@clef-sh/decrypt'

/** What {@link observeDecryptor} reports. Neither callback may throw or keep `values`. */
export interface DecryptObserver {
  /** Every decrypt, successful or not, in seconds. */
  readonly duration: (seconds: number) => void
  /** The values of a revision, once per revision (JIT decrypts the same one on every request). */
  readonly loaded: (artifact: PackedArtifact, values: SecretValues) => void
}

/** `inner`, reporting to `observer`. Rejects exactly like `inner`. */
export const observeDecryptor = (inner: Decryptor, observer: DecryptObserver): Decryptor => {
  let seen: PackedArtifact | undefined
  return {
    plaintext: async (artifact, opts) => {
      const started = performance.now()
      try {
        return await inner.plaintext(artifact, opts)
      } finally {
        observer.duration((performance.now() - started) / 1000)
      }
    },
    decrypt: async (artifact, opts) => {
      const started = performance.now()
      try {
        const values = await inner.decrypt(artifact, opts)
        if (seen !== artifact) {
          seen = artifact
          observer.loaded(artifact, values)
        }
        return values
      } finally {
        observer.duration((performance.now() - started) / 1000)
      }
    },
  }
}
