// JIT mode: only the checked, still-encrypted artifact is held; every request decrypts, so the KMS
// (or the age key) is the live gate. Requests that arrive during one decrypt share it.
import type { PackedArtifact } from '@clef-sh/artifact-format'
import { createJitStore } from '@clef-sh/cache'
import type { Decryptor } from '@clef-sh/decrypt'
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { createSnapshot, type SecretsProvider, type Snapshot } from './provider.ts'

/** Options of {@link createJitProvider}. */
export interface JitProviderOptions {
  decryptor: Decryptor
  /** Aborts per-request decrypts when the agent stops. */
  signal: AbortSignal
}

const NOT_LOADED = (): AgentError => new AgentError(ErrorCode.NotLoaded, 'no artifact is loaded')

interface InFlight {
  readonly artifact: PackedArtifact
  readonly promise: Promise<Snapshot>
}

/** Creates the JIT-mode {@link SecretsProvider}. */
export const createJitProvider = ({ decryptor, signal }: JitProviderOptions): SecretsProvider => {
  const store = createJitStore<PackedArtifact>()
  let inFlight: InFlight | undefined

  const decrypt = (artifact: PackedArtifact): Promise<Snapshot> => {
    const promise = decryptor
      .decrypt(artifact, { signal })
      .then((values) => createSnapshot(artifact.revision, values))
    const entry = { artifact, promise }
    inFlight = entry
    // Nothing plaintext outlives the requests that share this decrypt.
    const forget = (): void => {
      if (inFlight === entry) inFlight = undefined
    }
    promise.then(forget, forget)
    return promise
  }

  return {
    mode: 'jit',
    accept: async (artifact, acceptSignal) => {
      // One trial decrypt: an artifact the key cannot open is refused now, not on every request.
      await decryptor.decrypt(artifact, { signal: acceptSignal })
      store.set({ artifact, revision: artifact.revision })
    },
    loaded: () => store.get() !== undefined,
    snapshot: () => {
      const artifact = store.get()?.artifact
      if (artifact === undefined) return Promise.reject(NOT_LOADED())
      return inFlight?.artifact === artifact ? inFlight.promise : decrypt(artifact)
    },
    isStale: () => false,
    wipe: () => {
      store.clear()
      inFlight = undefined
    },
  }
}
