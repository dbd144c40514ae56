// A local S3 on a real socket, answering path-style GetObject/HeadObject as AWS does (ETag,
// If-None-Match → 304, XML errors), so the S3 source is tested with the real @aws-sdk/client-s3.
import { closeLocal, listenLocal, writeChunked } from './local-server.ts'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'

/** Options of {@link startFakeS3}. */
export interface FakeS3Options {
  /** Objects at start, by `bucket/key`. Their buckets exist; any other bucket is `NoSuchBucket`. */
  objects?: Record<string, string>
  /** The only access key id accepted (any secret is, signatures are not verified). Default `AKIDTEST`. */
  accessKeyId?: string
}

/** What the fake did since start or the last `reset()`. */
export interface FakeS3Stats {
  requests: number
  notModified: number
  /** Response body bytes written, error documents included. */
  bodyBytesSent: number
  /** Responses closed before they were complete (the client hung up). */
  clientAborts: number
}

/** A request as the fake received it. */
export interface FakeS3Request {
  method: string
  /** The raw request target, e.g. `/bucket/a%20b.json?x-id=GetObject`. */
  path: string
  headers: IncomingMessage['headers']
}

/** A running fake S3; `await using s3 = await startFakeS3()`. */
export interface FakeS3 extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, the endpoint to give the SDK (path-style). */
  readonly url: string
  /** S3Client options reaching this fake: endpoint, path-style, region and accepted credentials. */
  readonly clientConfig: {
    endpoint: string
    forcePathStyle: true
    region: string
    credentials: { accessKeyId: string; secretAccessKey: string }
  }
  /** Environment of a child process whose default AWS SDK chain reaches this fake. */
  readonly env: Record<string, string>
  readonly stats: FakeS3Stats
  readonly lastRequest: FakeS3Request | undefined
  /** Latency added before each answer, in ms. */
  latencyMs: number
  /** Send object bodies without Content-Length (chunked), like some S3-compatible stores. */
  chunked: boolean
  /** Creates or replaces an object (its bucket then exists) and returns its quoted-MD5 ETag. */
  putObject(bucketKey: string, body: string | Uint8Array): string
  /** Deletes an object; its bucket stays. */
  deleteObject(bucketKey: string): void
  /** Answers every authenticated request with this S3 error until called with `null`. */
  failWith(status: number | null, code?: string, headers?: Record<string, string>): void
  /** Closes the next `n` connections on their request without an answer (a reset keep-alive). */
  dropNext(n: number): void
  /** Zeroes `stats`, forgets `lastRequest`, clears failures and drops. */
  reset(): void
  close(): Promise<void>
}

interface S3Object {
  payload: Buffer
  etag: string
  lastModified: string
}

interface Reply {
  status: number
  headers: Record<string, string>
  payload: Buffer
}

const EMPTY = Buffer.alloc(0)

const MESSAGES: Readonly<Record<string, string>> = {
  AccessDenied: 'Access Denied',
  InvalidAccessKeyId: 'The AWS Access Key Id you provided does not exist in our records.',
  SignatureDoesNotMatch: 'The request signature we calculated does not match the signature you provided.',
  NoSuchKey: 'The specified key does not exist.',
  NoSuchBucket: 'The specified bucket does not exist',
  SlowDown: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  ServiceUnavailable: 'Please reduce your request rate.',
}

const DEFAULT_CODES: Readonly<Record<number, string>> = {
  400: 'InvalidRequest',
  403: 'AccessDenied',
  404: 'NoSuchKey',
  405: 'MethodNotAllowed',
  429: 'TooManyRequests',
  500: 'InternalError',
  501: 'NotImplemented',
  503: 'ServiceUnavailable',
}

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)

const codeFor = (status: number): string =>
  DEFAULT_CODES[status] ?? (STATUS_CODES[status] ?? 'Error').replace(/[^A-Za-z]/g, '')

/** An S3 error document (`<Error><Code>…`), as AWS sends it. */
const s3Error = (status: number, code: string, extra: Record<string, string> = {}): Reply => {
  const fields = { Code: code, Message: MESSAGES[code] ?? STATUS_CODES[status] ?? code, ...extra }
  const inner = Object.entries(fields)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join('')
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${inner}<RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`
  return { status, headers: { 'content-type': 'application/xml' }, payload: Buffer.from(xml) }
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]*)\/\d{8}\/[a-z0-9-]+\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=[0-9a-f]{64}$/

/** The refusal of a request that the real SDK did not sign for `accessKeyId`, if it is one. */
const checkAuth = (req: IncomingMessage, accessKeyId: string): Reply | undefined => {
  const auth = req.headers.authorization
  if (auth === undefined) return s3Error(403, 'AccessDenied')
  const m = SIGV4.exec(auth)
  if (m === null) return s3Error(400, 'AuthorizationHeaderMalformed')
  if (m[1] !== accessKeyId) return s3Error(403, 'InvalidAccessKeyId', { AWSAccessKeyId: m[1] ?? '' })
  const signed = (m[2] ?? '').split(';')
  if ((req.headers['x-amz-date'] ?? '') === '' || !signed.includes('x-amz-date')) {
    return s3Error(403, 'AccessDenied', { Message: 'AWS authentication requires a valid x-amz-date header' })
  }
  if ((req.headers['x-amz-content-sha256'] ?? '') === '' || !signed.includes('host')) {
    return s3Error(400, 'InvalidRequest', { Message: 'Missing required header: x-amz-content-sha256' })
  }
  return undefined
}

const matches = (ifNoneMatch: string | undefined, etag: string): boolean =>
  ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')

/** `/bucket/key…` of a path-style request, decoded; undefined when it is not one. */
const parsePath = (target: string): { bucket: string; key: string } | undefined => {
  const path = new URL(target, 'http://s3.local').pathname
  const slash = path.indexOf('/', 1)
  if (slash < 0 || slash === path.length - 1) return undefined
  try {
    return {
      bucket: decodeURIComponent(path.slice(1, slash)),
      key: decodeURIComponent(path.slice(slash + 1)),
    }
  } catch {
    return undefined
  }
}

const splitBucketKey = (bucketKey: string): [string, string] => {
  const slash = bucketKey.indexOf('/')
  if (slash <= 0 || slash === bucketKey.length - 1)
    throw new Error(`expected "bucket/key", got "${bucketKey}"`)
  return [bucketKey.slice(0, slash), bucketKey.slice(slash + 1)]
}

/** Starts a fake S3 on 127.0.0.1, on a free port, holding `opts.objects`. */
export const startFakeS3 = async (opts: FakeS3Options = {}): Promise<FakeS3> => {
  const accessKeyId = opts.accessKeyId ?? 'AKIDTEST'
  const buckets = new Set<string>()
  const objects = new Map<string, S3Object>()
  const zero = (): FakeS3Stats => ({ requests: 0, notModified: 0, bodyBytesSent: 0, clientAborts: 0 })
  const stats = zero()
  let failure: { status: number; code: string; headers: Record<string, string> } | null = null
  let drops = 0
  let lastRequest: FakeS3Request | undefined

  const putObject = (bucketKey: string, body: string | Uint8Array): string => {
    const [bucket] = splitBucketKey(bucketKey)
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)
    const etag = `"${createHash('md5').update(payload).digest('hex')}"`
    buckets.add(bucket)
    objects.set(bucketKey, { payload, etag, lastModified: new Date().toUTCString() })
    return etag
  }
  for (const [bucketKey, text] of Object.entries(opts.objects ?? {})) putObject(bucketKey, text)

  const getObject = (req: IncomingMessage): Reply => {
    const target = parsePath(req.url ?? '/')
    if (target === undefined) return s3Error(501, 'NotImplemented')
    if (!buckets.has(target.bucket)) return s3Error(404, 'NoSuchBucket', { BucketName: target.bucket })
    const object = objects.get(`${target.bucket}/${target.key}`)
    if (object === undefined) return s3Error(404, 'NoSuchKey', { Key: target.key })
    const headers = { etag: object.etag, 'last-modified': object.lastModified }
    if (matches(req.headers['if-none-match'], object.etag)) {
      stats.notModified++
      return { status: 304, headers, payload: EMPTY }
    }
    return {
      status: 200,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: object.payload,
    }
  }

  const answer = (req: IncomingMessage): Reply => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return s3Error(405, 'MethodNotAllowed')
    const refused = checkAuth(req, accessKeyId)
    if (refused !== undefined) return refused
    if (failure !== null) {
      const error = s3Error(failure.status, failure.code)
      return { ...error, headers: { ...error.headers, ...failure.headers } }
    }
    return getObject(req)
  }

  const send = async (req: IncomingMessage, res: ServerResponse, reply: Reply): Promise<void> => {
    const body = req.method === 'HEAD' || reply.status === 304 ? EMPTY : reply.payload
    const length =
      fake.chunked && reply.status === 200 ? {} : { 'content-length': String(reply.payload.length) }
    res.writeHead(reply.status, {
      server: 'AmazonS3',
      'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
      ...(reply.status === 304 ? {} : length),
      ...reply.headers,
    })
    await writeChunked(res, body, (bytes) => {
      stats.bodyBytesSent += bytes
    })
  }

  const server = createServer((req, res) => {
    stats.requests++
    lastRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers }
    if (drops > 0) {
      drops--
      req.socket.destroy()
      return
    }
    const timer = setTimeout(() => void send(req, res, answer(req)), fake.latencyMs)
    res.once('close', () => {
      clearTimeout(timer)
      if (!res.writableFinished) stats.clientAborts++
    })
  })
  const url = `http://127.0.0.1:${await listenLocal(server)}`
  const close = (): Promise<void> => closeLocal(server)

  const credentials = { accessKeyId, secretAccessKey: 'test' }
  const fake: FakeS3 = {
    url,
    clientConfig: { endpoint: url, forcePathStyle: true, region: 'us-east-1', credentials },
    env: {
      AWS_ENDPOINT_URL_S3: url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stats,
    get lastRequest() {
      return lastRequest
    },
    latencyMs: 0,
    chunked: false,
    putObject,
    deleteObject: (bucketKey) => {
      objects.delete(bucketKey)
    },
    failWith: (status, code, headers = {}) => {
      failure = status === null ? null : { status, code: code ?? codeFor(status), headers }
    },
    dropNext: (n) => {
      drops = n
    },
    reset: () => {
      Object.assign(stats, zero())
      lastRequest = undefined
      failure = null
      drops = 0
    },
    close,
    [Symbol.asyncDispose]: close,
  }
  return fake
}
