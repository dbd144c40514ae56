// JIT mode: only the checked, still-encrypted artifact is held; every request decrypts, so the KMS
// (or the age key) is the live gate. Requests that arrive during one decrypt share it. When the
// accepted artifact's plaintext is exactly the JSON the API would write (Clef's packer writes it
// so), requests serve the decrypted bytes as they are and parse them only for per-key reads; the
// bytes are zeroed, and their memory reused, once the last response writing them is done.
import {
  valuesJson,
  type PackedArtifact,
  type SecretValues,
  type SecretsSnapshot,
} from '@clef-sh/artifact-format'
import { createJitStore } from '@clef-sh/cache'
import { parseSecretValues, type Decryptor } from '@clef-sh/decrypt'
import { AgentError, ErrorCode } from '@clef-sh/errors'
import { createJitLease } from './jit-lease.ts'
import { createSnapshot, timed, type DecryptObserver, type SecretsProvider } from './provider.ts'

/** Options of {@link createJitProvider}. */
export interface JitProviderOptions {
  decryptor: Decryptor
  /** Aborts per-request decrypts when the agent stops. */
  signal: AbortSignal
  observer: DecryptObserver
  /**
   * Zeroes a plaintext `decryptor.plaintext` returned, once no request needs it (the decrypt
   * pool's `release`, which also reuses its memory). Default: zero it.
   */
  release?: ((plain: Uint8Array) => void) | undefined
}

const zero = (plain: Uint8Array): void => {
  plain.fill(0)
}

const NOT_LOADED = (): AgentError => new AgentError(ErrorCode.NotLoaded, 'no artifact is loaded')

interface InFlight {
  readonly artifact: PackedArtifact
  readonly promise: Promise<SecretsSnapshot>
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

/**
 * A snapshot over plaintext known to be canonical: `json` is the bytes, lent to the requests that
 * share this decrypt (then zeroed by `release`); values parse on demand.
 */
const rawSnapshot = (
  revision: string,
  plaintext: Uint8Array,
  release: (p: Uint8Array) => void,
): SecretsSnapshot => {
  const lease = createJitLease(plaintext, release)
  let values: SecretValues | undefined
  const valuesOf = (): SecretValues => {
    lease.check()
    return (values ??= parseSecretValues(plaintext))
  }
  return {
    revision,
    get values() {
      return valuesOf()
    },
    get json() {
      lease.check()
      return plaintext
    },
    hold: lease.hold,
  }
}

/** Creates the JIT-mode {@link SecretsProvider}. */
export const createJitProvider = ({
  decryptor,
  signal,
  observer,
  release = zero,
}: JitProviderOptions): SecretsProvider => {
  const store = createJitStore<PackedArtifact>()
  // Per accepted artifact, once known: is its plaintext byte for byte `JSON.stringify` of its values?
  const canonical = new WeakMap<PackedArtifact, boolean>()
  let inFlight: InFlight | undefined

  const snapshotOf = (artifact: PackedArtifact, plaintext: Uint8Array): SecretsSnapshot => {
    if (canonical.get(artifact) === true) return rawSnapshot(artifact.revision, plaintext, release)
    let raw = false
    try {
      // The first request of a revision, or a plaintext in another form: parse, as decrypt() does.
      const values = parseSecretValues(plaintext)
      if (canonical.has(artifact)) return createSnapshot(artifact.revision, values)
      raw = sameBytes(plaintext, valuesJson(values))
      canonical.set(artifact, raw)
      return raw
        ? rawSnapshot(artifact.revision, plaintext, release)
        : createSnapshot(artifact.revision, values)
    } finally {
      // Served values were parsed (strings): the bytes are done with, unless lent as they are.
      if (!raw) release(plaintext)
    }
  }

  const decrypt = (artifact: PackedArtifact): Promise<SecretsSnapshot> => {
    const promise = timed(observer, () => decryptor.plaintext(artifact, { signal })).then((plaintext) =>
      snapshotOf(artifact, plaintext),
    )
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
      const values = await timed(observer, () => decryptor.decrypt(artifact, { signal: acceptSignal }))
      observer.loaded(artifact, values)
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
