// Reads the artifact through GitLab's Repository Files API with the real @gitbeaker/rest client
// (loaded on first use: it is large). An unchanged artifact is confirmed cheaply: If-None-Match
// when GitLab sent an ETag, else a HEAD whose X-Gitlab-Blob-Id is compared before any download.
import type { RepositoryFiles } from '@gitbeaker/rest'
import type { ArtifactSource, FetchRequest, FetchResult } from '../source.ts'
import { isHttpEtag, startVcsCall, type VcsCall } from '../vcs/vcs-call.ts'
import { resolveVcs, type ResolvedVcs, type VcsSourceOptions } from '../vcs/vcs-options.ts'
import { gitlabRequester, type GitLabStep } from './gitlab-requester.ts'
import { lazyClient } from '../lazy-client.ts'

/**
 * Options of {@link GitLabSource}: `repo` is the project path (`group/sub/project`) or numeric id;
 * `apiUrl` the instance URL (default `https://gitlab.com`; `/api/v4` is added).
 */
export type GitLabSourceOptions = VcsSourceOptions

interface Expanded {
  data: unknown
  status: number
  headers: Record<string, string>
}

/**
 * `.clef/packed/<identity>/<environment>.age.json` of a GitLab project at `ref` (default `main`).
 * The etag it returns is GitLab's ETag when one was sent, else the file's blob id. Throws
 * AgentError `config_invalid` at construction for bad options. `fetch` rejects with
 * {@link SourceError}: `source_auth` (401/403, hint: `read_repository`/`read_api`),
 * `source_not_found` (404), `source_rate_limited` (429; transient), `source_unreachable` (5xx,
 * network, timeout, abort: transient; `@gitbeaker/rest` failing to load: permanent),
 * `source_too_large`, `source_invalid_response`.
 */
export class GitLabSource implements ArtifactSource {
  readonly kind = 'gitlab'
  readonly #vcs: ResolvedVcs
  readonly #gitbeaker: () => Promise<typeof RepositoryFiles>

  constructor(opts: GitLabSourceOptions) {
    this.#vcs = resolveVcs(opts, 'gitlab')
    this.#gitbeaker = lazyClient(() => import('@gitbeaker/rest').then((m) => m.RepositoryFiles), {
      module: '@gitbeaker/rest',
      kind: 'gitlab',
      where: this.#vcs.describe,
      source: this.#vcs.describe,
    })
  }

  async fetch(req: FetchRequest): Promise<FetchResult> {
    // Loading the client is not a request: it stays outside the fetch's deadline.
    const Files = await this.#gitbeaker()
    const call = startVcsCall(this.#vcs, req.signal)
    const files = (step: GitLabStep) => this.#files(Files, call, step)
    const { repo, path, ref } = this.#vcs
    if (req.etag !== undefined && isHttpEtag(req.etag)) {
      const res = await files({ method: 'GET', etag: req.etag }).showRaw(repo, path, ref, {
        showExpanded: true,
      })
      return res.status === 304 ? { changed: false, etag: req.etag } : changed(res)
    }
    if (req.etag !== undefined) {
      const head = await files({ method: 'HEAD' }).show(repo, path, ref, { showExpanded: true })
      if (head.headers['x-gitlab-blob-id'] === req.etag) return { changed: false, etag: req.etag }
    }
    return changed(await files({ method: 'GET' }).showRaw(repo, path, ref, { showExpanded: true }))
  }

  describe(): string {
    return this.#vcs.describe
  }

  /** Loads @gitbeaker/rest; `config_invalid` ("install @gitbeaker/rest …") when it is missing. */
  async prepare(): Promise<void> {
    await this.#gitbeaker()
  }

  // One resource per request: gitbeaker passes no per-call signal or header to its requester.
  #files(Files: typeof RepositoryFiles, call: VcsCall, step: GitLabStep): RepositoryFiles {
    return new Files({
      host: this.#vcs.apiUrl,
      token: this.#vcs.token,
      requesterFn: gitlabRequester(call, step),
      // The call's deadline bounds every request; gitbeaker's own timeout would outlive it.
      queryTimeout: null,
    })
  }
}

// The blob id names the exact content downloaded, so it is a sound etag when GitLab sends no ETag.
const changed = (res: Expanded): FetchResult => ({
  changed: true,
  body: String(res.data),
  etag: res.headers['etag'] ?? res.headers['x-gitlab-blob-id'],
})
