// The interface every artifact source implements. Sources know how to fetch bytes cheaply and
// report failures with stable codes; they know nothing about what the bytes mean.

/** Every kind of source. */
export type SourceKind = 'file' | 'http' | 's3' | 'github' | 'gitlab' | 'bitbucket'

/** One fetch. `etag` is the validator the previous successful fetch returned, if any. */
export interface FetchRequest {
  /** Aborting it ends the fetch with a transient `source_unreachable` ("aborted"). */
  signal: AbortSignal
  /** Opaque: pass back exactly what the source returned; sources may revalidate with it. */
  etag?: string | undefined
}

/**
 * `changed: false` means the source confirmed the artifact is the one named by `etag`;
 * `changed: true` carries the artifact text (strict UTF-8, within the size cap) and its new etag.
 */
export type FetchResult =
  { changed: false; etag?: string | undefined } | { changed: true; body: string; etag?: string | undefined }

/**
 * A place artifacts come from. `fetch` rejects with a {@link SourceError}, almost always with a
 * `source_*` code (`source_unreachable` and `source_rate_limited` are transient; S3 also reports a
 * missing region as `config_invalid`). `describe()` never contains a token or credential.
 */
export interface ArtifactSource {
  readonly kind: SourceKind
  /** Fetches the artifact, or confirms `req.etag` is still current. Back-off is the caller's job. */
  fetch(req: FetchRequest): Promise<FetchResult>
  /** Names the source for logs and messages, e.g. `s3://bucket/key`; never a credential. Never throws. */
  describe(): string
  /**
   * Loads what fetching needs (an SDK client: S3, GitHub, GitLab), so a missing optional peer
   * dependency fails at start: rejects with SourceError `config_invalid` ("install <package> to
   * use the <kind> source"). Sources without a client do not have it.
   */
  prepare?(): Promise<void>
}
