// Cached mode: the decrypted snapshot lives in memory and is served without any work per request,
// as long as the source confirmed it within the TTL.
import { createSnapshotStore, type Freshness } from '@clef-sh/cache'
import type { Decryptor } from '@clef-sh/decrypt'
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { createSnapshot, type SecretsProvider, type Snapshot } from './provider.ts'

/** Options of {@link createCachedProvider}. */
export interface CachedProviderOptions {
  decryptor: Decryptor
  /** Renewed by the agent on every successful fetch. */
  freshness: Freshness
}

/** Creates the cached-mode {@link SecretsProvider}. */
export const createCachedProvider = ({ decryptor, freshness }: CachedProviderOptions): SecretsProvider => {
  const store = createSnapshotStore<Snapshot>()
  return {
    mode: 'cached',
    accept: async (artifact, signal) => {
      const values = await decryptor.decrypt(artifact, { signal })
      store.swap(createSnapshot(artifact.revision, values))
    },
    loaded: () => store.get() !== undefined,
    snapshot: () => {
      const snapshot = store.get()
      if (snapshot === undefined) throw new AgentError(ErrorCode.NotLoaded, 'no secrets are loaded')
      return snapshot
    },
    isStale: (graceMs) => freshness.isStale(graceMs),
    wipe: () => {
      store.clear()
    },
  }
}
