// SDK clients load on the first fetch, or at start through `prepare()` (most deployments use one
// source kind, and the SDKs are slow to import). They are optional peer dependencies: a library
// user who reads a file or an HTTP URL does not install them, and one who picks S3 without its
// client is told what to install, as a configuration error, not an outage. A load that fails is
// forgotten, so the next call tries again instead of replaying the same rejected promise forever.
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
  /** The source kind, for the install message (`install @octokit/rest to use the github source`). */
  kind?: string | undefined
}

const MISSING: ReadonlySet<string> = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'])

// The package itself is missing, not something it needs or a file of ours.
const isMissing = (cause: unknown, module: string): boolean =>
  cause instanceof Error &&
  'code' in cause &&
  typeof cause.code === 'string' &&
  MISSING.has(cause.code) &&
  cause.message.includes(module)

// A bundle's side file (`vendor/<name>.cjs`, see packages/shell/bundle.mjs) that was not copied.
const missingVendorFile = (cause: unknown): string | undefined =>
  cause instanceof Error && 'code' in cause && cause.code === 'MODULE_NOT_FOUND'
    ? /'([^']*vendor\/[\w.-]+\.cjs)'/.exec(cause.message)?.[1]
    : undefined

const loadError = (ctx: LazyClientContext, cause: unknown): SourceError => {
  const vendor = missingVendorFile(cause)
  if (vendor !== undefined) {
    return new SourceError(
      ErrorCode.ConfigInvalid,
      `missing bundled file ${vendor} (needed by ${ctx.module})`,
      {
        source: ctx.source,
        cause,
        hint: 'copy the vendor/ folder beside clef-agent.cjs, or use the single executable or @clef-sh/agent',
      },
    )
  }
  if (isMissing(cause, ctx.module)) {
    const use = ctx.kind === undefined ? 'this source' : `the ${ctx.kind} source`
    return new SourceError(ErrorCode.ConfigInvalid, `install ${ctx.module} to use ${use}`, {
      source: ctx.source,
      cause,
      hint: `it is an optional peer dependency of @clef-sh/sources: npm install ${ctx.module}`,
    })
  }
  return new SourceError(ErrorCode.SourceUnreachable, `${ctx.where}: cannot load ${ctx.module}`, {
    source: ctx.source,
    cause,
  })
}

/**
 * Returns a function that resolves `load()`'s client, loading it once. A failed load is retried at
 * the next call and rejects with a permanent SourceError: `config_invalid` ("install <module> to
 * use the <kind> source") when the package is not installed, else `source_unreachable` ("cannot
 * load <module>"), since a broken install is not an outage.
 */
export const lazyClient = <T>(load: () => Promise<T>, ctx: LazyClientContext): (() => Promise<T>) => {
  let client: Promise<T> | undefined
  return () =>
    (client ??= load().catch((cause: unknown) => {
      client = undefined
      throw loadError(ctx, cause)
    }))
}
