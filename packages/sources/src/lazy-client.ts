// SDK clients load on the first fetch (most deployments use one source kind, and the SDKs are
// slow to import). A load that fails is reported as a SourceError and forgotten, so the next fetch
// tries again instead of replaying the same rejected promise forever.
import { ErrorCode } from '@clef-sh/errors'
import { SourceError } from './errors.ts'

/** What a failed load is reported as. */
export interface LazyClientContext {
  /** The package that failed to load, e.g. `@octokit/rest`. */
  module: string
  /** Prefix of the message: the request line of the source. */
  where: string
  /** The source's `describe()`. */
  source: string
}

/**
 * Returns a function that resolves `load()`'s client, loading it once. A failed load rejects with
 * a permanent SourceError `source_unreachable` ("cannot load <module>"), since a broken install is
 * not an outage, and is retried at the next call.
 */
export const lazyClient = <T>(load: () => Promise<T>, ctx: LazyClientContext): (() => Promise<T>) => {
  let client: Promise<T> | undefined
  return () =>
    (client ??= load().catch((cause: unknown) => {
      client = undefined
      throw new SourceError(ErrorCode.SourceUnreachable, `${ctx.where}: cannot load ${ctx.module}`, {
        source: ctx.source,
        cause,
      })
    }))
}
