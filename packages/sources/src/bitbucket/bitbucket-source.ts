// Reads the artifact through Bitbucket Cloud's source API (2.0) with plain fetch. An unchanged
// artifact is confirmed cheaply: If-None-Match when Bitbucket sent an ETag, else the commit hash of
// a `?format=meta` request, compared before the file is downloaded at exactly that commit.
import { ErrorCode } from '@clef-sh/errors'
import type { ArtifactSource, FetchRequest, FetchResult } from '../source.ts'
import { isHttpEtag, startVcsCall, vcsFetch, type VcsAnswer, type VcsCall } from '../vcs/vcs-call.ts'
import { vcsFailure } from '../vcs/vcs-errors.ts'
import { resolveVcs, type ResolvedVcs, type VcsSourceOptions } from '../vcs/vcs-options.ts'

/**
 * Options of {@link BitbucketSource}: `repo` is `workspace/repo_slug`; `token` an access token
 * (sent as Bearer) or `user:app_password` (sent as Basic); `apiUrl` the API host (default
 * `https://api.bitbucket.org`; `/2.0` is added).
 */
export type BitbucketSourceOptions = VcsSourceOptions

const COMMIT = /^[0-9a-f]{7,64}$/i
// The metadata is a few hundred bytes; it gets its own cap, not the artifact's.
const META_MAX_BYTES = 64 * 1024

const commitOf = (meta: string): string | undefined => {
  try {
    const parsed = JSON.parse(meta) as { commit?: { hash?: unknown } } | null
    const hash = parsed?.commit?.hash
    return typeof hash === 'string' && COMMIT.test(hash) ? hash : undefined
  } catch {
    return undefined
  }
}

/**
 * `.clef/packed/<identity>/<environment>.age.json` of a Bitbucket Cloud repository at `ref`
 * (default `main`). The etag it returns is Bitbucket's ETag when one was sent, else the commit
 * hash. Throws AgentError `config_invalid` at construction for bad options. `fetch` rejects with
 * {@link SourceError}: `source_auth` (401/403, hint: `repository:read`), `source_not_found`
 * (404), `source_rate_limited` (429; transient), `source_unreachable` (5xx, network, timeout,
 * abort; transient), `source_too_large`, `source_invalid_response` (also metadata without a commit).
 */
export class BitbucketSource implements ArtifactSource {
  readonly kind = 'bitbucket'
  readonly #vcs: ResolvedVcs
  readonly #authorization: string

  constructor(opts: BitbucketSourceOptions) {
    this.#vcs = resolveVcs(opts, 'bitbucket')
    const { token } = this.#vcs
    this.#authorization = token.includes(':')
      ? `Basic ${Buffer.from(token, 'utf8').toString('base64')}`
      : `Bearer ${token}`
  }

  async fetch(req: FetchRequest): Promise<FetchResult> {
    const call = startVcsCall(this.#vcs, req.signal)
    if (req.etag !== undefined && isHttpEtag(req.etag)) {
      const res = await this.#get(call, this.#vcs.ref, req.etag)
      if (res.status === 304) return { changed: false, etag: req.etag }
      return { changed: true, body: await res.text(), etag: res.headers.get('etag') ?? undefined }
    }
    const commit = await this.#commit(call)
    if (commit === req.etag) return { changed: false, etag: commit }
    // At the commit just seen, not at the ref: a push in between cannot pair this hash with newer bytes.
    const res = await this.#get(call, commit)
    return { changed: true, body: await res.text(), etag: res.headers.get('etag') ?? commit }
  }

  describe(): string {
    return this.#vcs.describe
  }

  #url(commit: string, query = ''): string {
    const { apiUrl, repo, path } = this.#vcs
    const [workspace = '', slug = ''] = repo.split('/')
    const file = path.split('/').map(encodeURIComponent).join('/')
    const src = `${encodeURIComponent(workspace)}/${encodeURIComponent(slug)}/src/${encodeURIComponent(commit)}`
    return `${apiUrl}/2.0/repositories/${src}/${file}${query}`
  }

  #get(call: VcsCall, commit: string, etag?: string): Promise<VcsAnswer> {
    const headers = new Headers({ authorization: this.#authorization })
    if (etag !== undefined) headers.set('if-none-match', etag)
    return vcsFetch(call, { url: this.#url(commit), method: 'GET', headers })
  }

  async #commit(call: VcsCall): Promise<string> {
    const headers = new Headers({ authorization: this.#authorization, accept: 'application/json' })
    const meta = await vcsFetch(call, {
      url: this.#url(this.#vcs.ref, '?format=meta'),
      method: 'GET',
      headers,
    })
    const hash = commitOf(await meta.text(META_MAX_BYTES))
    if (hash !== undefined) return hash
    throw vcsFailure(
      { where: meta.where, source: this.#vcs.describe },
      {
        code: ErrorCode.SourceInvalidResponse,
        detail: 'the file metadata has no commit.hash',
        hint: 'check that apiUrl points at the Bitbucket Cloud API',
      },
    )
  }
}
