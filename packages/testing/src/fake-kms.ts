// A local AWS KMS on a real socket, speaking the JSON 1.1 protocol of the real SDK, so the KMS
// adapter and the daemon are tested with the real @aws-sdk/client-kms and no network or account.
import { closeLocal, listenLocal } from './local-server.ts'
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { VECTORS_DIR } from './vectors.ts'

/** One wrapped data key the KMS can unwrap (base64 `wrappedKey` and `dek`). */
export interface KmsMapping {
  keyId: string
  wrappedKey: string
  dek: string
}

/** Every wrappedKey → DEK pair of the vectors (`test/vectors/keys/kms-mappings.json`). */
export const loadKmsMappings = (): KmsMapping[] =>
  JSON.parse(readFileSync(join(VECTORS_DIR, 'keys', 'kms-mappings.json'), 'utf8')) as KmsMapping[]

/** What an injected failure answers: a KMS error type (as AWS sends it) or a bare HTTP 500. */
export type KmsFailure =
  | 'AccessDeniedException'
  | 'InvalidCiphertextException'
  | 'ThrottlingException'
  | 'KMSInternalException'
  | 'http500'

/** Options of {@link startFakeKms}. */
export interface FakeKmsOptions {
  /** The wrapped keys known at start. Default {@link loadKmsMappings}; `[]` for an empty KMS. */
  mappings?: KmsMapping[]
}

/** What the fake received since start or the last `reset()`. */
export interface FakeKmsStats {
  /** Every HTTP request, refused ones included. */
  requests: number
  decryptCalls: number
  encryptCalls: number
  generateDataKeyCalls: number
  /** Answers replaced by an injected failure. */
  injectedFailures: number
  /** Requests refused before any operation: unsigned, wrong content type, unknown target. */
  rejected: number
}

/** A running fake KMS; `await using kms = await startFakeKms()`. */
export interface FakeKms extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, the endpoint to give the SDK. */
  readonly url: string
  /** @aws-sdk/client-kms client options reaching this fake with dummy credentials. */
  readonly clientConfig: {
    endpoint: string
    region: string
    credentials: { accessKeyId: string; secretAccessKey: string }
  }
  /** Environment of a child process whose default AWS SDK chain reaches this fake. */
  readonly env: Record<string, string>
  readonly stats: FakeKmsStats
  /** Latency added before each answer, in ms. */
  latencyMs: number
  /** Creates a symmetric key and returns its ARN. */
  createKey(): string
  /** The next `n` operations (any target) answer `kind`. */
  failNext(n: number, kind: KmsFailure): void
  /** Every operation answers `kind` until called with `null`. */
  failAll(kind: KmsFailure | null): void
  /** Zeroes `stats` and clears injected failures. */
  reset(): void
  close(): Promise<void>
}

const ACCOUNT_ARN = 'arn:aws:kms:us-east-1:111122223333'
const JSON_11 = 'application/x-amz-json-1.1'
const MAX_BODY = 1024 * 1024

type Json = Record<string, unknown>
interface Reply {
  status: number
  body: Json | string
  type?: string
}

const fault = (type: string, message: string, status = 400): Reply => ({
  status,
  type,
  body: { __type: type, message },
})

const FAILURES: Record<KmsFailure, Reply> = {
  AccessDeniedException: fault(
    'AccessDeniedException',
    'User: arn:aws:sts::111122223333:assumed-role/test/agent is not authorized to perform: kms:Decrypt',
  ),
  InvalidCiphertextException: fault('InvalidCiphertextException', 'The ciphertext is invalid'),
  ThrottlingException: fault('ThrottlingException', 'Rate exceeded'),
  KMSInternalException: fault('KMSInternalException', 'An internal error occurred', 500),
  http500: { status: 500, body: 'Internal Server Error' },
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const canonical = (b64: string): string => Buffer.from(b64, 'base64').toString('base64')

interface Stored {
  keyId: string
  plaintext: Buffer
}

/** The key and blob tables of the fake and the three operations over them. */
const createKms = (mappings: KmsMapping[]) => {
  const keys = new Set(mappings.map((m) => m.keyId))
  const blobs = new Map<string, Stored>(
    mappings.map((m) => [
      canonical(m.wrappedKey),
      { keyId: m.keyId, plaintext: Buffer.from(m.dek, 'base64') },
    ]),
  )
  // Real KMS accepts a key ARN or the bare key id; aliases are not modelled.
  const keyOf = (id: string): string | undefined =>
    keys.has(id) ? id : [...keys].find((arn) => arn.endsWith(`:key/${id}`))
  const wrap = (keyId: string, plaintext: Buffer): string => {
    // Opaque like a real ciphertext blob: only this fake knows what it stands for.
    const blob = Buffer.concat([Buffer.from('fakekms1'), randomBytes(96)]).toString('base64')
    blobs.set(blob, { keyId, plaintext })
    return blob
  }
  const withKey = (body: Json, then: (keyId: string) => Reply): Reply => {
    const id = str(body['KeyId'])
    if (id === undefined) return fault('ValidationException', 'KeyId is required')
    const keyId = keyOf(id)
    return keyId === undefined ? fault('NotFoundException', `Key '${id}' does not exist`) : then(keyId)
  }
  const decrypt = (body: Json): Reply => {
    const algorithm = str(body['EncryptionAlgorithm']) ?? 'SYMMETRIC_DEFAULT'
    if (algorithm !== 'SYMMETRIC_DEFAULT')
      return fault('InvalidKeyUsageException', `${algorithm} is not valid`)
    const stored = blobs.get(canonical(str(body['CiphertextBlob']) ?? ''))
    if (stored === undefined) return fault('InvalidCiphertextException', 'The ciphertext is invalid')
    const ok: Reply = {
      status: 200,
      body: {
        KeyId: stored.keyId,
        Plaintext: stored.plaintext.toString('base64'),
        EncryptionAlgorithm: algorithm,
      },
    }
    if (body['KeyId'] === undefined) return ok
    return withKey(body, (keyId) =>
      keyId === stored.keyId
        ? ok
        : fault(
            'IncorrectKeyException',
            'The key ID in the request does not identify the key that encrypted the ciphertext',
          ),
    )
  }
  const encrypt = (body: Json): Reply =>
    withKey(body, (keyId) => {
      const blob = wrap(keyId, Buffer.from(str(body['Plaintext']) ?? '', 'base64'))
      return {
        status: 200,
        body: { KeyId: keyId, CiphertextBlob: blob, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
      }
    })
  const generateDataKey = (body: Json): Reply =>
    withKey(body, (keyId) => {
      const size =
        typeof body['NumberOfBytes'] === 'number'
          ? body['NumberOfBytes']
          : body['KeySpec'] === 'AES_128'
            ? 16
            : 32
      const dek = randomBytes(size)
      return {
        status: 200,
        body: { KeyId: keyId, CiphertextBlob: wrap(keyId, dek), Plaintext: dek.toString('base64') },
      }
    })
  const createKey = (): string => {
    const arn = `${ACCOUNT_ARN}:key/${randomUUID()}`
    keys.add(arn)
    return arn
  }
  return { decrypt, encrypt, generateDataKey, createKey }
}

const readBody = async (req: IncomingMessage): Promise<string | undefined> => {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

const send = (res: ServerResponse, reply: Reply): void => {
  const json = typeof reply.body !== 'string'
  const payload = Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body))
  res.writeHead(reply.status, {
    'content-type': json ? JSON_11 : 'text/plain',
    'content-length': String(payload.length),
    'x-amzn-requestid': randomUUID(),
    ...(reply.type === undefined ? {} : { 'x-amzn-errortype': reply.type }),
  })
  res.end(payload)
}

const parseJson = (text: string): Json | undefined => {
  try {
    const v: unknown = JSON.parse(text === '' ? '{}' : text)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined
  } catch {
    return undefined
  }
}

/** Starts a fake KMS on 127.0.0.1, on a free port, knowing `opts.mappings`. */
export const startFakeKms = async (opts: FakeKmsOptions = {}): Promise<FakeKms> => {
  const kms = createKms(opts.mappings ?? loadKmsMappings())
  const zero = (): FakeKmsStats => ({
    requests: 0,
    decryptCalls: 0,
    encryptCalls: 0,
    generateDataKeyCalls: 0,
    injectedFailures: 0,
    rejected: 0,
  })
  const stats = zero()
  let failAll: KmsFailure | null = null
  const failQueue: KmsFailure[] = []
  const OPS = {
    'TrentService.Decrypt': { run: kms.decrypt, count: () => stats.decryptCalls++ },
    'TrentService.Encrypt': { run: kms.encrypt, count: () => stats.encryptCalls++ },
    'TrentService.GenerateDataKey': { run: kms.generateDataKey, count: () => stats.generateDataKeyCalls++ },
  } as const

  const refuse = (why: Reply): Reply => {
    stats.rejected++
    return why
  }

  const answer = async (req: IncomingMessage, text: string | undefined): Promise<Reply> => {
    // No SigV4 verification, but an unsigned request proves the SDK was bypassed.
    if (!(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
      return refuse(fault('MissingAuthenticationTokenException', 'Request is missing Authentication Token'))
    }
    if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith(JSON_11)) {
      return refuse(fault('SerializationException', `expected POST with ${JSON_11}`))
    }
    const target = String(req.headers['x-amz-target'])
    const op = Object.hasOwn(OPS, target) ? OPS[target as keyof typeof OPS] : undefined
    if (op === undefined) return refuse(fault('UnknownOperationException', `unknown target ${target}`))
    op.count()
    if (fake.latencyMs > 0) await new Promise((r) => setTimeout(r, fake.latencyMs))
    const failure = failQueue.shift() ?? failAll
    if (failure !== null) {
      stats.injectedFailures++
      return FAILURES[failure]
    }
    const body = text === undefined ? undefined : parseJson(text)
    return body === undefined ? fault('SerializationException', 'body is not a JSON object') : op.run(body)
  }

  const server = createServer((req, res) => {
    stats.requests++
    void readBody(req)
      .then((text) => answer(req, text))
      .then(
        (reply) => {
          send(res, reply)
        },
        () => {
          res.destroy()
        },
      )
  })
  const url = `http://127.0.0.1:${await listenLocal(server)}`
  const close = (): Promise<void> => closeLocal(server)

  const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }
  const fake: FakeKms = {
    url,
    clientConfig: { endpoint: url, region: 'us-east-1', credentials },
    env: {
      AWS_ENDPOINT_URL_KMS: url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stats,
    latencyMs: 0,
    createKey: kms.createKey,
    failNext: (n, kind) => failQueue.push(...Array<KmsFailure>(n).fill(kind)),
    failAll: (kind) => {
      failAll = kind
    },
    reset: () => {
      Object.assign(stats, zero())
      failQueue.length = 0
      failAll = null
    },
    close,
    [Symbol.asyncDispose]: close,
  }
  return fake
}
