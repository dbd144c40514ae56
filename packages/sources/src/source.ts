// The interface every artifact source implements. Sources know how to fetch bytes cheaply and
// report failures with stable codes; they know nothing about what the bytes mean.

/** Every kind of source. */
export type SourceKind = 'file' | 'http' | 's3' | 'github' | 'gitlab' | 'bitbucket'

/** One fetch. `etag` is the validator the previous successful fetch returned, if any. */
export interface FetchRequest {
  signal: AbortSignal
  etag?: string | undefined
}

/** `changed: false` means the source confirmed the artifact is the one named by `etag`. */
export type FetchResult =
  { changed: false; etag?: string | undefined } | { changed: true; body: string; etag?: string | undefined }

/**
 * A place artifacts come from. `fetch` throws AgentError / SourceError with a `source_*` code
 * (`source_unreachable` and `source_rate_limited` are transient). `describe()` never contains a
 * token or credential.
 */
export interface ArtifactSource {
  readonly kind: SourceKind
  fetch(req: FetchRequest): Promise<FetchResult>
  describe(): string
}
