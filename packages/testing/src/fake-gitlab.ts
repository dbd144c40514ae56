// A fake GitLab REST API (v4) serving the Repository Files API as @gitbeaker/rest addresses it
// (URL-encoded project path and file path), with the X-Gitlab-* metadata headers of HEAD and raw.
import { createHash } from 'node:crypto'
import { defaultArtifactAt, etagMatches, jsonReply, startFakeVcs } from './fake-vcs.ts'
import type { ArtifactVersion, FakeVcs, FakeVcsOptions, FakeVcsReply, FakeVcsRoute } from './fake-vcs.ts'

/** Options of {@link startFakeGitLab}. */
export interface FakeGitLabOptions extends FakeVcsOptions {
  /** The token, sent by gitbeaker as `private-token: <t>`. */
  token: string
  /** Project path (`group/subgroup/project`) of the default artifact. Default `acme/clef-secrets`. */
  project?: string
  /** Relative URL root of a self-managed instance, e.g. `/gitlab`. Default none. */
  root?: string
  /** Send ETags on raw files and honour If-None-Match. Default false (blob ids only). */
  etags?: boolean
}

const FILES = /^\/projects\/([^/]+)\/repository\/files\/([^/]+)(\/raw)?$/

const notFound = (): FakeVcsReply => jsonReply(404, { message: '404 File Not Found' })

const metaHeaders = (path: string, ref: string, version: ArtifactVersion): Record<string, string> => ({
  'x-gitlab-blob-id': version.blobId,
  'x-gitlab-commit-id': version.commit,
  'x-gitlab-last-commit-id': version.commit,
  'x-gitlab-content-sha256': createHash('sha256').update(version.body).digest('hex'),
  'x-gitlab-encoding': 'base64',
  'x-gitlab-file-name': path.split('/').at(-1) ?? path,
  'x-gitlab-file-path': path,
  'x-gitlab-ref': ref,
  'x-gitlab-size': String(version.body.length),
})

/** The provider's file route; a request without `ref` reads `defaultRef`. */
const filesAt =
  (defaultRef: string): FakeVcsRoute =>
  (req, store) => {
    // Both ids are single path segments: a literal `/` in either is not this route (as on GitLab).
    const m = FILES.exec(req.path)
    if (m === null) return jsonReply(404, { error: '404 Not Found' })
    const [, project = '', rawPath = '', raw] = m
    const path = decodeURIComponent(rawPath)
    const ref = req.query.get('ref') ?? defaultRef
    const version = store.current({ repo: decodeURIComponent(project), path, ref })
    if (version === undefined) return notFound()
    const meta = metaHeaders(path, ref, version)
    if (req.method === 'HEAD') {
      store.countMeta()
      return { status: 200, headers: meta }
    }
    if (raw === undefined) {
      const content = version.body.toString('base64')
      return {
        ...jsonReply(
          200,
          { file_path: path, ref, blob_id: version.blobId, encoding: 'base64', content },
          meta,
        ),
        artifact: true,
      }
    }
    const etag = `W/"${version.blobId}"`
    if (store.etags && etagMatches(req.headers['if-none-match'], etag))
      return { status: 304, headers: { ...meta, etag } }
    const headers = { ...meta, 'content-type': 'text/plain; charset=utf-8', ...(store.etags ? { etag } : {}) }
    return { status: 200, headers, body: version.body, artifact: true }
  }

/** Starts a fake GitLab on 127.0.0.1; its `url` is the instance URL (the client adds `/api/v4`). */
export const startFakeGitLab = (opts: FakeGitLabOptions): Promise<FakeVcs> => {
  const root = opts.root ?? ''
  const artifactAt = defaultArtifactAt(opts.project, opts)
  return startFakeVcs({
    token: opts.token,
    artifactAt,
    prefix: `${root}/api/v4`,
    urlPath: root,
    etags: opts.etags ?? false,
    isAuthorized: (headers) => headers['private-token'] === opts.token,
    unauthorized: jsonReply(401, { message: '401 Unauthorized' }),
    route: filesAt(artifactAt.ref),
  })
}
