// KMS envelope mode (docs/SPEC.md §3): the KMS unwraps the data key, AES-256-GCM decrypts the payload.
// The DEK is zeroed as soon as the payload is decrypted, whatever happens.
import type { Envelope } from '@clef-sh/artifact-format'
import { AgentError, ErrorCode, isAgentError } from '@clef-sh/errors'
import { IN_THREAD_OPENER, type BulkOpener } from './bulk/in-thread.ts'
import type { KmsUnwrapper } from './decryptor.ts'

/** Input of {@link decryptEnvelope}. */
export interface EnvelopeDecryptOptions {
  envelope: Envelope
  /** base64 AES-256-GCM ciphertext, without the tag. */
  ciphertext: string
  /** The ciphertext already decoded (a JIT decryptor keeps it per artifact); else decoded here. */
  ciphertextBytes?: Uint8Array | undefined
  unwrapper: KmsUnwrapper
  signal?: AbortSignal | undefined
  /** Where AES-GCM runs; this thread by default. */
  bulk?: BulkOpener | undefined
}

const DEK_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16

const decodeParam = (value: string, bytes: number, name: string): Buffer => {
  const buf = Buffer.from(value, 'base64')
  if (buf.length !== bytes) {
    throw new AgentError(ErrorCode.Decrypt, `envelope ${name} must be ${bytes} bytes, got ${buf.length}`)
  }
  return buf
}

const unwrapDek = async (opts: EnvelopeDecryptOptions): Promise<Uint8Array> => {
  const { envelope, unwrapper, signal } = opts
  const req = {
    keyId: envelope.keyId,
    wrappedKey: Buffer.from(envelope.wrappedKey, 'base64'),
    algorithm: envelope.algorithm,
  }
  try {
    return await unwrapper.unwrap(signal === undefined ? req : { ...req, signal })
  } catch (cause) {
    if (isAgentError(cause)) throw cause
    const why = cause instanceof Error ? cause.message : 'unknown error'
    throw new AgentError(
      ErrorCode.KmsUnwrap,
      `KMS (${envelope.provider}) could not unwrap the data key: ${why}`,
      { cause },
    )
  }
}

const aesGcmDecrypt = async (dek: Uint8Array, opts: EnvelopeDecryptOptions): Promise<Buffer> => {
  if (dek.length !== DEK_BYTES) {
    throw new AgentError(
      ErrorCode.KmsUnwrap,
      `KMS returned a ${dek.length}-byte data key, expected ${DEK_BYTES}`,
    )
  }
  const iv = decodeParam(opts.envelope.iv, IV_BYTES, 'iv')
  const tag = decodeParam(opts.envelope.authTag, TAG_BYTES, 'authTag')
  const ciphertext = opts.ciphertextBytes ?? Buffer.from(opts.ciphertext, 'base64')
  const opened = await (opts.bulk ?? IN_THREAD_OPENER).openAesGcm({ key: dek, iv, tag, ciphertext })
  if (!opened.ok) throw new AgentError(ErrorCode.Decrypt, opened.reason)
  return opened.plain
}

/**
 * Unwraps the envelope's DEK with `unwrapper` and decrypts `ciphertext` with it; returns the
 * plaintext bytes. The DEK buffer is zeroed before returning or throwing.
 * Throws AgentError `kms_unwrap` (unwrapper failures; AgentErrors from the unwrapper pass through
 * unchanged, keeping their `transient` flag; a DEK that is not 32 bytes) or `decrypt` (bad iv/tag
 * length, authentication failure).
 */
export const decryptEnvelope = async (opts: EnvelopeDecryptOptions): Promise<Buffer> => {
  const dek = await unwrapDek(opts)
  try {
    return await aesGcmDecrypt(dek, opts)
  } finally {
    dek.fill(0)
  }
}
