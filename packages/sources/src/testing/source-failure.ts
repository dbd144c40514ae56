// Test-only: what a source's promise rejected with, asserted to be a SourceError, so every adapter
// test reads `code`, `status` and `hint` off a typed value (not exported from the package).
import { SourceError } from '../errors.ts'

/** The SourceError `p` rejected with; throws when it resolved or rejected with anything else. */
export const failure = async (p: Promise<unknown>): Promise<SourceError> => {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  if (!(e instanceof SourceError)) throw new Error(`expected a SourceError, got ${String(e)}`)
  return e
}
