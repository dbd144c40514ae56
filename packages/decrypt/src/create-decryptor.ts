// The one Decryptor of the agent: picks age or KMS envelope per artifact (the artifact says which)
// and turns the plaintext into SecretValues. Everything expensive is prepared once, here.
import type { PackedArtifact, SecretValues } from '@clef-sh/artifact-format'
import { AgentError, ErrorCode, toAgentError } from '@clef-sh/errors'
import { createAgeDecrypt, type AgeDecrypt } from './age-decrypt.ts'
import { IN_THREAD_OPENER, type BulkOpener } from './bulk/in-thread.ts'
import type { DecryptOptions, Decryptor, KmsUnwrapper } from './decryptor.ts'
import { decryptEnvelope } from './envelope-decrypt.ts'
import { parseSecretValues } from './secret-values.ts'

/**
 * Resolves the KMS adapter of an envelope's `provider` (`aws`, …). Async so that heavy SDKs are
 * imported only when an envelope artifact shows up. Rejects with AgentError
 * `kms_unsupported_provider` for providers it does not know; the decryptor turns any other
 * non-AgentError rejection into `kms_unwrap`.
 */
export type KmsResolver = (provider: string) => Promise<KmsUnwrapper>

/** Options of {@link createDecryptor}. */
export interface DecryptorOptions {
  /** `AGE-SECRET-KEY-1…` or `AGE-SECRET-KEY-PQ-1…`; needed for age artifacts only. */
  ageIdentity?: string | undefined
  /** Needed for KMS envelope artifacts only. */
  kms?: KmsResolver | undefined
  /**
   * Where the bulk of each decrypt runs (`createBulkPool` for worker threads); this thread when
   * unset. With it, each artifact's ciphertext is decoded once, into memory the workers share.
   */
  bulk?: BulkOpener | undefined
}

/** base64 decoded into a SharedArrayBuffer: posted to a worker, it is shared, not copied. */
const sharedBase64 = (text: string): Uint8Array => {
  const view = Buffer.from(new SharedArrayBuffer(Buffer.byteLength(text, 'base64')))
  return view.subarray(0, view.write(text, 'base64'))
}

const noAgeIdentity = (): Promise<never> =>
  Promise.reject(
    new AgentError(ErrorCode.Decrypt, 'artifact is age-encrypted but no age identity is configured', {
      hint: 'set CLEF_AGENT_AGE_KEY or CLEF_AGENT_AGE_KEY_FILE',
    }),
  )

const resolveUnwrapper = async (kms: KmsResolver | undefined, provider: string): Promise<KmsUnwrapper> => {
  if (kms === undefined) {
    throw new AgentError(
      ErrorCode.KmsUnsupportedProvider,
      `artifact uses a KMS envelope (provider ${provider}) but no KMS provider is configured`,
    )
  }
  try {
    return await kms(provider)
  } catch (e) {
    // e.g. the provider's SDK failed to load: the unwrap cannot happen, maybe next time it can.
    throw toAgentError(e, ErrorCode.KmsUnwrap)
  }
}

/**
 * Creates a Decryptor. Artifacts without `envelope` are decrypted with the age identity, those
 * with one through the KMS resolver. Does no I/O. The age identity is checked once, here: one that
 * is not a Bech32 `AGE-SECRET-KEY-1…`/`-PQ-1…` key of 32 bytes throws AgentError `config_invalid`.
 * `decrypt` rejects with `decrypt` (no age identity, wrong key, corrupt ciphertext, bad payload),
 * `kms_unsupported_provider` (no resolver, unknown provider) or `kms_unwrap`; and with
 * `config_invalid` should the age library, loaded at the first post-quantum decrypt, still refuse
 * the identity.
 */
export const createDecryptor = (opts: DecryptorOptions): Decryptor => {
  const { bulk } = opts
  const releaser: BulkOpener = bulk ?? IN_THREAD_OPENER
  const age: AgeDecrypt =
    opts.ageIdentity === undefined ? noAgeIdentity : createAgeDecrypt(opts.ageIdentity, bulk)
  // Encrypted bytes only: what the store already holds, decoded once instead of per request.
  const decoded = new WeakMap<PackedArtifact, Uint8Array>()
  const bytesOf = (artifact: PackedArtifact): Uint8Array => {
    if (bulk === undefined) return Buffer.from(artifact.ciphertext, 'base64')
    let bytes = decoded.get(artifact)
    if (bytes === undefined) {
      bytes = sharedBase64(artifact.ciphertext)
      decoded.set(artifact, bytes)
    }
    return bytes
  }

  const plaintextOf = async (
    artifact: PackedArtifact,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array> => {
    const envelope = artifact.envelope
    if (envelope === undefined) return age(bytesOf(artifact))
    const unwrapper = await resolveUnwrapper(opts.kms, envelope.provider)
    const ciphertextBytes = bytesOf(artifact)
    return decryptEnvelope({
      envelope,
      ciphertext: artifact.ciphertext,
      ciphertextBytes,
      unwrapper,
      signal,
      bulk,
    })
  }

  return {
    plaintext: (artifact, callOpts = {}) => plaintextOf(artifact, callOpts.signal),
    async decrypt(artifact: PackedArtifact, callOpts: DecryptOptions = {}): Promise<SecretValues> {
      const plaintext = await plaintextOf(artifact, callOpts.signal)
      try {
        return parseSecretValues(plaintext)
      } finally {
        // The parsed strings are what we serve; the raw bytes need not outlive them (zeroed, and
        // with a pool their memory serves the next decrypt).
        releaser.release(plaintext)
      }
    },
  }
}
