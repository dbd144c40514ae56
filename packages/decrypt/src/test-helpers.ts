// Test-only helpers shared by the decrypt tests.
import { parseArtifact, type Envelope, type PackedArtifact } from '@clef-sh/artifact-format'
import { AgentError } from '@clef-sh/errors'
import { vector, vectorText } from '@clef-sh/testing'
import type { KmsResolver } from './create-decryptor.ts'
import { createTestKms, type TestKms } from './test-kms.ts'

/** The parsed artifact of a vector. */
export const artifactOf = (name: string): PackedArtifact => parseArtifact(vectorText(vector(name)))

/** The envelope of an envelope artifact. */
export const envelopeOf = (a: PackedArtifact): Envelope => {
  if (a.envelope === undefined) throw new Error('artifact has no envelope')
  return a.envelope
}

/** What `p` rejected with (message `no error` and no code when it resolved). */
export const failure = async (p: Promise<unknown>): Promise<Partial<AgentError> & { message: string }> =>
  p.then(
    () => ({ message: 'no error' }),
    (e: unknown) => e as AgentError,
  )

/** A resolver that knows `aws` only, backed by `kms`. */
export const resolverFor =
  (kms: TestKms = createTestKms()): KmsResolver =>
  (provider) => {
    if (provider !== 'aws') {
      return Promise.reject(new AgentError('kms_unsupported_provider', `no adapter for ${provider}`))
    }
    return Promise.resolve(kms)
  }
