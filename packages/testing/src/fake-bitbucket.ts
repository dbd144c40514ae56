// A fake Bitbucket Cloud REST API (2.0) serving the source endpoint: raw files and `?format=meta`
// at a branch or a commit, with Bearer (access token) or Basic (app password) authentication.
import { defaultArtifactAt, etagMatches, jsonReply, startFakeVcs } from './fake-vcs.ts'
import type { FakeVcs, FakeVcsReply, FakeVcsRequest, FakeVcsStore, FakeVcsOptions } from './fake-vcs.ts'

/** Options of {@link startFakeBitbucket}. */
export interface FakeBitbucketOptions extends FakeVcsOptions {
  /** An access token (`Authorization: Bearer`), or `user:app_password` (`Authorization: Basic`). */
  token: string
  /** `workspace/repo_slug` of the default artifact. Default `acme/clef-secrets`. */
  repo?: string
  /** Send ETags on raw files and honour If-None-Match. Default false (commit hashes only). */
  etags?: boolean
}

const SRC = /^\/repositories\/([^/]+)\/([^/]+)\/src\/([^/]+)\/(.+)$/

const error = (status: number, message: string): FakeVcsReply =>
  jsonReply(status, { type: 'error', error: { message } })

const src = (req: FakeVcsRequest, store: FakeVcsStore): FakeVcsReply => {
  const m = SRC.exec(req.path)
  if (m === null || req.method !== 'GET') return error(404, 'Resource not found')
  const [, workspace = '', slug = '', commit = '', rawPath = ''] = m
  const repo = `${decodeURIComponent(workspace)}/${decodeURIComponent(slug)}`
  const path = decodeURIComponent(rawPath)
  const ref = decodeURIComponent(commit)
  const version = store.current({ repo, path, ref }) ?? store.atCommit(repo, path, ref)
  if (version === undefined) return error(404, `No such file or directory: ${path}`)
  if (req.query.get('format') === 'meta') {
    store.countMeta()
    return jsonReply(200, {
      type: 'commit_file',
      path,
      escaped_path: path,
      size: version.body.length,
      attributes: [],
      commit: { type: 'commit', hash: version.commit },
    })
  }
  // Content-based, so the same ETag comes back whether the file is addressed by branch or commit.
  const etag = `"${version.blobId}"`
  if (store.etags && etagMatches(req.headers['if-none-match'], etag))
    return { status: 304, headers: { etag } }
  const headers = { 'content-type': 'application/octet-stream', ...(store.etags ? { etag } : {}) }
  return { status: 200, headers, body: version.body, artifact: true }
}

/** Starts a fake Bitbucket Cloud on 127.0.0.1; its `url` is the API host (the client adds `/2.0`). */
export const startFakeBitbucket = (opts: FakeBitbucketOptions): Promise<FakeVcs> => {
  const expected = opts.token.includes(':')
    ? `Basic ${Buffer.from(opts.token).toString('base64')}`
    : `Bearer ${opts.token}`
  const artifactAt = defaultArtifactAt(opts.repo, opts)
  return startFakeVcs({
    token: opts.token,
    artifactAt,
    prefix: '/2.0',
    urlPath: '',
    etags: opts.etags ?? false,
    isAuthorized: (headers) => headers.authorization === expected,
    unauthorized: error(401, 'Access denied: invalid or expired credentials'),
    route: src,
  })
}
