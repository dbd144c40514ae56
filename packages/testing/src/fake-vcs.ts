// What the fake GitHub, GitLab and Bitbucket share: a real socket on 127.0.0.1, one artifact
// version per (repo, path, ref), an auth check, injected failures, latency and transfer counters.
import { closeLocal, listenLocal } from './local-server.ts'
import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'

/** Where an artifact lives in a fake repository host. */
export interface ArtifactAt {
  repo: string
  path: string
  ref: string
}

/** One published version of an artifact. */
export interface ArtifactVersion {
  body: Buffer
  /** Git blob id (SHA-1 of `blob <size>\0<body>`), as real hosts report it. */
  blobId: string
  /** A fresh commit id per publication, even when the content repeats. */
  commit: string
}

/** What a fake sent since start or the last `reset()`. */
export interface FakeVcsStats {
  /** Every HTTP request, refused ones included. */
  requests: number
  /** `304 Not Modified` answers. */
  notModified: number
  /** Metadata-only requests (GitLab HEAD, Bitbucket `?format=meta`). */
  metaRequests: number
  /** Bytes of artifact content written in responses (metadata, errors and headers excluded). */
  artifactBytesSent: number
}

/** A running fake repository host; `await using fake = await startFakeGitHub({ token })`. */
export interface FakeVcs extends AsyncDisposable {
  /** The API base to give the source as `apiUrl`. */
  readonly url: string
  /** The token the fake accepts. */
  readonly token: string
  /** Where `setArtifact` and `remove` act by default. */
  readonly artifactAt: ArtifactAt
  readonly stats: FakeVcsStats
  /** Latency added before each answer, in ms. */
  latencyMs: number
  /** Whether artifact responses carry an ETag and honour If-None-Match. */
  etags: boolean
  /** Method, URL (as received) and headers of the last request. */
  readonly lastRequest: { method: string; url: string; headers: IncomingHttpHeaders } | undefined
  /** Publishes `text` as a new version (new blob id, new commit) at `at` (default `artifactAt`). */
  setArtifact(text: string, at?: Partial<ArtifactAt>): ArtifactVersion
  /** Deletes the artifact at `at`: requests for it get the host's 404. */
  remove(at?: Partial<ArtifactAt>): void
  /** Answers `status` (with `headers`) to every request until called with `null`. */
  failWith(status: number | null, headers?: Record<string, string>): void
  /** Zeroes `stats` and forgets `lastRequest`. */
  reset(): void
  close(): Promise<void>
}

/** Answers one API request from the store (the provider's own routes). */
export type FakeVcsRoute = (req: FakeVcsRequest, store: FakeVcsStore) => FakeVcsReply

/** What every fake VCS API takes; each adds its own addressing (repo, project, prefix, …). */
export interface FakeVcsOptions {
  /** The token the fake accepts; each fake documents how its client sends it. */
  token: string
  /** The default artifact's path. Default `.clef/packed/api/production.age.json`. */
  path?: string
  /** The default branch, also used when a request names no `ref`. Default `main`. */
  ref?: string
}

/** The default artifact of `opts` in `repo` (a repo, project or workspace/slug; `acme/clef-secrets`). */
export const defaultArtifactAt = (repo: string | undefined, opts: FakeVcsOptions): ArtifactAt => ({
  repo: repo ?? 'acme/clef-secrets',
  path: opts.path ?? '.clef/packed/api/production.age.json',
  ref: opts.ref ?? 'main',
})

/** A parsed request as the provider-specific router sees it. */
export interface FakeVcsRequest {
  method: string
  /** Path below the fake's prefix, still percent-encoded (`%2F` stays `%2F`). */
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
}

/** A router's answer. `artifact: true` counts the body in `artifactBytesSent`. */
export interface FakeVcsReply {
  status: number
  headers?: Record<string, string>
  body?: string | Buffer
  artifact?: boolean
}

/** The artifacts a fake serves, for its router. */
export interface FakeVcsStore {
  current(at: ArtifactAt): ArtifactVersion | undefined
  /** The version of `repo`/`path` published with commit id `commit`, if any. */
  atCommit(repo: string, path: string, commit: string): ArtifactVersion | undefined
  readonly etags: boolean
  /** Counts a metadata-only request. */
  countMeta(): void
}

/** What each provider plugs into {@link startFakeVcs}. */
export interface FakeVcsSetup {
  token: string
  artifactAt: ArtifactAt
  /** Path prefix of every API route, e.g. `/api/v3` or `/gitlab/api/v4`. */
  prefix: string
  /** Path of `url` after the origin: the prefix, or less of it when the client adds the rest. */
  urlPath: string
  etags: boolean
  isAuthorized(headers: IncomingHttpHeaders): boolean
  unauthorized: FakeVcsReply
  route: FakeVcsRoute
}

/** A JSON reply. */
export const jsonReply = (
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): FakeVcsReply => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
})

/** Weak comparison (RFC 9110 §13.1.2), as real hosts apply it to If-None-Match. */
export const etagMatches = (ifNoneMatch: string | string[] | undefined, etag: string): boolean => {
  const bare = (t: string): string => t.trim().replace(/^W\//, '')
  return (
    typeof ifNoneMatch === 'string' &&
    ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag))
  )
}

const sha1 = (data: string | Buffer): string => createHash('sha1').update(data).digest('hex')
const keyOf = (at: ArtifactAt): string => JSON.stringify([at.repo, at.path, at.ref])

/** Starts a fake on 127.0.0.1, on a free port. */
export const startFakeVcs = async (setup: FakeVcsSetup): Promise<FakeVcs> => {
  const current = new Map<string, ArtifactVersion>()
  const byCommit = new Map<string, { repo: string; path: string; version: ArtifactVersion }>()
  const stats: FakeVcsStats = { requests: 0, notModified: 0, metaRequests: 0, artifactBytesSent: 0 }
  let failure: FakeVcsReply | null = null
  let lastRequest: FakeVcs['lastRequest']
  let published = 0

  const store: FakeVcsStore = {
    current: (at) => current.get(keyOf(at)),
    atCommit: (repo, path, commit) => {
      const hit = byCommit.get(commit)
      return hit?.repo === repo && hit.path === path ? hit.version : undefined
    },
    get etags() {
      return fake.etags
    },
    countMeta: () => {
      stats.metaRequests++
    },
  }

  const answer = (method: string, url: URL, headers: IncomingHttpHeaders): FakeVcsReply => {
    if (failure !== null) return failure
    if (!setup.isAuthorized(headers)) return setup.unauthorized
    if (!url.pathname.startsWith(`${setup.prefix}/`)) return jsonReply(404, { message: 'Not Found' })
    const path = url.pathname.slice(setup.prefix.length)
    return setup.route({ method, path, query: url.searchParams, headers }, store)
  }

  const send = (res: ServerResponse, reply: FakeVcsReply, head: boolean): void => {
    const body = head || reply.body === undefined ? Buffer.alloc(0) : Buffer.from(reply.body)
    if (reply.status === 304) stats.notModified++
    if (reply.artifact === true) stats.artifactBytesSent += body.length
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) })
    res.end(body)
  }

  const server = createServer((req, res) => {
    stats.requests++
    const method = req.method ?? 'GET'
    lastRequest = { method, url: req.url ?? '/', headers: req.headers }
    const reply = answer(method, new URL(req.url ?? '/', 'http://fake'), req.headers)
    const timer = setTimeout(() => {
      send(res, reply, method === 'HEAD')
    }, fake.latencyMs)
    res.once('close', () => {
      clearTimeout(timer)
    })
  })
  const port = await listenLocal(server)
  const close = (): Promise<void> => closeLocal(server)

  const where = (at: Partial<ArtifactAt> = {}): ArtifactAt => ({ ...setup.artifactAt, ...at })
  const fake: FakeVcs = {
    url: `http://127.0.0.1:${port}${setup.urlPath}`,
    token: setup.token,
    artifactAt: setup.artifactAt,
    stats,
    latencyMs: 0,
    etags: setup.etags,
    get lastRequest() {
      return lastRequest
    },
    setArtifact: (text, at) => {
      const target = where(at)
      const body = Buffer.from(text)
      const blobId = sha1(Buffer.concat([Buffer.from(`blob ${body.length}\0`), body]))
      const version = { body, blobId, commit: sha1(`commit ${++published} ${blobId}`) }
      current.set(keyOf(target), version)
      byCommit.set(version.commit, { repo: target.repo, path: target.path, version })
      return version
    },
    remove: (at) => {
      current.delete(keyOf(where(at)))
    },
    failWith: (status, headers = {}) => {
      failure = status === null ? null : jsonReply(status, { message: `injected ${status}` }, headers)
    },
    reset: () => {
      Object.assign(stats, { requests: 0, notModified: 0, metaRequests: 0, artifactBytesSent: 0 })
      lastRequest = undefined
    },
    close,
    [Symbol.asyncDispose]: close,
  }
  return fake
}
