// Reads the artifact through GitHub's Contents API with the real @octokit/rest client (loaded on
// first use: it is large). Revalidation sends If-None-Match, and GitHub answers an unchanged file
// with an empty 304 that costs no rate-limit quota.
import type { Octokit } from '@octokit/rest'
import { SourceError } from '../errors.ts'
import { discardBody } from '../http/read-body.ts'
import type { ArtifactSource, FetchRequest, FetchResult } from '../source.ts'
import { readArtifact, startVcsCall } from '../vcs/vcs-call.ts'
import { resolveVcs, type ResolvedVcs, type VcsSourceOptions } from '../vcs/vcs-options.ts'
import { answeredStatus, githubError } from './github-errors.ts'
import { lazyClient } from '../lazy-client.ts'

/** Options of {@link GitHubSource}; `apiUrl` is the REST root (Enterprise: `https://HOST/api/v3`). */
export type GitHubSourceOptions = VcsSourceOptions

const RAW = 'application/vnd.github.raw'
const noop = (): void => {}
// octokit logs to the console by default; a library never does (our logger gets the status).
const SILENT = { debug: noop, info: noop, warn: noop, error: noop }

// octokit reads every error body whole and quotes it in its message. We use neither, so an error
// body is dropped unread: it cannot grow without bound or leak into a log.
const dropErrorBodies =
  (f: typeof fetch): typeof fetch =>
  async (input, init) => {
    const res = await f(input, init)
    if (res.ok) return res
    discardBody(res)
    return new Response(null, { status: res.status, statusText: res.statusText, headers: res.headers })
  }

/**
 * `.clef/packed/<identity>/<environment>.age.json` of a GitHub repository at `ref` (default
 * `main`). Throws AgentError `config_invalid` at construction for bad options. `fetch` rejects with
 * {@link SourceError}: `source_auth` (401/403, hint: `contents:read`), `source_not_found` (404),
 * `source_rate_limited` (429, or 403/429 with the limit exhausted; transient, `retryAfterMs`),
 * `source_unreachable` (5xx, network, timeout, abort: transient; `@octokit/rest` failing to load:
 * permanent), `source_too_large`, `source_invalid_response`.
 */
export class GitHubSource implements ArtifactSource {
  readonly kind = 'github'
  readonly #vcs: ResolvedVcs
  readonly #where: string
  readonly #octokit: () => Promise<Octokit>

  constructor(opts: GitHubSourceOptions) {
    this.#vcs = resolveVcs(opts, 'github')
    const { apiUrl, repo, path, ref } = this.#vcs
    this.#where = `[GET] "${apiUrl}/repos/${repo}/contents/${encodeURIComponent(path)}?ref=${encodeURIComponent(ref)}"`
    const vcs = this.#vcs
    this.#octokit = lazyClient(
      () =>
        import('@octokit/rest').then(
          ({ Octokit }) =>
            new Octokit({
              auth: vcs.token,
              baseUrl: vcs.apiUrl,
              userAgent: 'clef-agent',
              log: SILENT,
              // @octokit/rest has no retry or throttling plugin: every 403/429 reaches githubError.
              request: { fetch: dropErrorBodies(vcs.fetch), log: SILENT },
            }),
        ),
      { module: '@octokit/rest', kind: 'github', where: this.#where, source: vcs.describe },
    )
  }

  async fetch(req: FetchRequest): Promise<FetchResult> {
    // Loading the client is not a request: it stays outside the fetch's deadline.
    const octokit = await this.#octokit()
    const call = startVcsCall(this.#vcs, req.signal)
    const [owner = '', repo = ''] = this.#vcs.repo.split('/')
    const headers: Record<string, string> = { accept: RAW }
    if (req.etag !== undefined) headers['if-none-match'] = req.etag
    try {
      const res = await octokit.rest.repos.getContent({
        owner,
        repo,
        path: this.#vcs.path,
        ref: this.#vcs.ref,
        headers,
        request: { signal: call.signal, parseSuccessResponseBody: false },
      })
      this.#vcs.logger.debug('github source answered', { source: this.describe(), status: res.status })
      // parseSuccessResponseBody: false hands over the unread stream, so the cap applies to it.
      const body = res.data as unknown as ReadableStream<Uint8Array> | null
      const text = await readArtifact(call, this.#where, {
        body,
        contentLength: res.headers['content-length'],
      })
      return { changed: true, body: text, etag: res.headers.etag }
    } catch (e) {
      if (e instanceof SourceError) throw e
      // octokit wraps what its fetch threw (a refused redirect) in a RequestError: unwrap ours.
      if (e instanceof Error && e.cause instanceof SourceError) throw e.cause
      const status = answeredStatus(e)
      if (status !== undefined)
        this.#vcs.logger.debug('github source answered', { source: this.describe(), status })
      if (status === 304 && req.etag !== undefined) return { changed: false, etag: req.etag }
      throw githubError(call, this.#where, e)
    }
  }

  describe(): string {
    return this.#vcs.describe
  }

  /** Loads @octokit/rest; `config_invalid` ("install @octokit/rest …") when it is missing. */
  async prepare(): Promise<void> {
    await this.#octokit()
  }
}
