// Cached mode: the decrypted snapshot lives in memory and is served without any work per request,
// as long as the source confirmed it within the TTL.
import type { SecretsSnapshot } from '@clef-sh/artifact-format'
import { createSnapshotStore } from '@clef-sh/cache'
import type { Decryptor } from '@clef-sh/decrypt'
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { createSnapshot, timed, type DecryptObserver, type SecretsProvider } from './provider.ts'
import type { AgentStateView } from './state.ts'

/** Options of {@link createCachedProvider}. */
export interface CachedProviderOptions {
  decryptor: Decryptor
  /** The agent's state: it knows when the source last confirmed the held artifact. */
  freshness: Pick<AgentStateView, 'isStale'>
  observer: DecryptObserver
}

/** Creates the cached-mode {@link SecretsProvider}. */
export const createCachedProvider = ({
  decryptor,
  freshness,
  observer,
}: CachedProviderOptions): SecretsProvider => {
  const store = createSnapshotStore<SecretsSnapshot>()
  return {
    mode: 'cached',
    accept: async (artifact, signal) => {
      const values = await timed(observer, () => decryptor.decrypt(artifact, { signal }))
      observer.loaded(artifact, values)
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
