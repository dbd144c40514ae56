// An in-process KMS for the suites that need an unwrapper but not the wire (the decryptor's and the
// agent's): it knows the vectors' wrapped keys plus the test's own, records what it was asked and
// handed out, and can refuse like a revoked grant. The types are structural, so this package needs
// no dependency on @clef-sh/decrypt, whose tests use it (that would be a cycle); the wire-level KMS
// for the real SDK is fake-kms.ts.
import { AgentError } from '@clef-sh/errors'
import { loadKmsMappings, type KmsMapping } from './fake-kms.ts'

/** What the decryptor asks an unwrapper (the shape of @clef-sh/decrypt's UnwrapRequest). */
export interface InProcessUnwrapRequest {
  keyId: string
  wrappedKey: Uint8Array
  algorithm: string
  signal?: AbortSignal
}

/** An `aws` unwrapper plus what the test inspects and steers. */
export interface InProcessKms {
  readonly provider: 'aws'
  /** Resolves the DEK of a known (keyId, wrappedKey) pair; rejects `InvalidCiphertextException`. */
  unwrap(req: InProcessUnwrapRequest): Promise<Uint8Array>
  /** A KMS resolver for createDecryptor/createAgent: this KMS for `aws`, else `kms_unsupported_provider`. */
  readonly resolver: (provider: string) => Promise<InProcessKms>
  /** Every request, in order. */
  readonly requests: InProcessUnwrapRequest[]
  /** Every DEK buffer handed out (the decryptor must zero them). */
  readonly issued: Uint8Array[]
  /** How many unwraps were asked, refused ones included. */
  unwraps(): number
  /** While true, every unwrap is refused like a revoked KMS grant (`AccessDeniedException`). */
  refuse: boolean
}

/**
 * Creates an {@link InProcessKms} that unwraps the vectors' mappings plus `extra`. It answers on a
 * later turn of the event loop, as a real KMS call would, so coalescing is exercised.
 */
export const createInProcessKms = (extra: readonly KmsMapping[] = []): InProcessKms => {
  const mappings = [...loadKmsMappings(), ...extra]
  const kms: InProcessKms = {
    provider: 'aws',
    requests: [],
    issued: [],
    refuse: false,
    unwraps: () => kms.requests.length,
    resolver: (provider) =>
      provider === 'aws'
        ? Promise.resolve(kms)
        : Promise.reject(new AgentError('kms_unsupported_provider', `no adapter for ${provider}`)),
    unwrap: async (req) => {
      kms.requests.push(req)
      await new Promise((resolve) => setImmediate(resolve))
      if (kms.refuse) throw new Error('AccessDeniedException')
      const wrapped = Buffer.from(req.wrappedKey).toString('base64')
      const found = mappings.find((m) => m.wrappedKey === wrapped && m.keyId === req.keyId)
      if (found === undefined) throw new Error('InvalidCiphertextException')
      const dek = Buffer.from(found.dek, 'base64')
      kms.issued.push(dek)
      return dek
    },
  }
  return kms
}
