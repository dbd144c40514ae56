// A fake GitHub REST API (github.com, or Enterprise under `/api/v3`) serving the Contents API as
// @octokit/rest calls it, so the GitHub source is tested with the real client over a real socket.
import { defaultArtifactAt, etagMatches, jsonReply, startFakeVcs } from './fake-vcs.ts'
import type { ArtifactVersion, FakeVcs, FakeVcsOptions, FakeVcsReply, FakeVcsRoute } from './fake-vcs.ts'

/** Options of {@link startFakeGitHub}. */
export interface FakeGitHubOptions extends FakeVcsOptions {
  /** The token, sent by octokit as `authorization: token <t>`. */
  token: string
  /** `owner/repo` of the default artifact. Default `acme/clef-secrets`. */
  repo?: string
  /** Path prefix of the REST root: `/api/v3` for GitHub Enterprise. Default none. */
  prefix?: string
}

const CONTENTS = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/
const RAW = 'application/vnd.github.raw'

const notFound = (): FakeVcsReply =>
  jsonReply(404, {
    message: 'Not Found',
    documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content',
    status: '404',
  })

// The JSON representation GitHub sends without the raw media type: base64 in 60-column lines.
const fileJson = (path: string, version: ArtifactVersion): Record<string, unknown> => ({
  type: 'file',
  encoding: 'base64',
  size: version.body.length,
  name: path.split('/').at(-1),
  path,
  sha: version.blobId,
  content: version.body.toString('base64').replace(/.{60}/g, '$&\n'),
})

/** The provider's file route; a request without `ref` reads `defaultRef`. */
const contentsAt =
  (defaultRef: string): FakeVcsRoute =>
  (req, store) => {
    const m = CONTENTS.exec(req.path)
    if (m === null || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound()
    const [, owner = '', repo = '', rawPath = ''] = m
    // octokit sends `/` inside the path as %2F; curl users send it literally. GitHub takes both.
    const path = decodeURIComponent(rawPath)
    const at = {
      repo: `${decodeURIComponent(owner)}/${decodeURIComponent(repo)}`,
      path,
      ref: req.query.get('ref') ?? defaultRef,
    }
    const version = store.current(at)
    if (version === undefined) return notFound()
    const raw = (req.headers.accept ?? '').includes(RAW)
    const etag = raw ? `"${version.blobId}"` : `W/"${version.blobId}-json"`
    if (store.etags && etagMatches(req.headers['if-none-match'], etag))
      return { status: 304, headers: { etag } }
    const headers: Record<string, string> = store.etags ? { etag } : {}
    if (!raw) return { ...jsonReply(200, fileJson(path, version), headers), artifact: true }
    const type = `${RAW}; charset=utf-8`
    return { status: 200, headers: { ...headers, 'content-type': type }, body: version.body, artifact: true }
  }

/** Starts a fake GitHub on 127.0.0.1; its `url` is the REST root to give as `apiUrl`. */
export const startFakeGitHub = (opts: FakeGitHubOptions): Promise<FakeVcs> => {
  const prefix = opts.prefix ?? ''
  const artifactAt = defaultArtifactAt(opts.repo, opts)
  return startFakeVcs({
    token: opts.token,
    artifactAt,
    prefix,
    urlPath: prefix,
    etags: true,
    isAuthorized: (headers) => headers.authorization === `token ${opts.token}`,
    unauthorized: jsonReply(401, {
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    }),
    route: contentsAt(artifactAt.ref),
  })
}
