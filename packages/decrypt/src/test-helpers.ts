// Test-only helpers of the decrypt suites that are typed by @clef-sh/artifact-format: they stay
// here because @clef-sh/testing cannot depend on artifact-format, whose tests use it (a cycle).
// The fakes themselves (the in-process KMS, the vectors) come from @clef-sh/testing.
import { parseArtifact, type Envelope, type PackedArtifact } from '@clef-sh/artifact-format'
import type { AgentError } from '@clef-sh/errors'
import { vector, vectorText } from '@clef-sh/testing'

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
