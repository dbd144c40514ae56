// Responses as plain data, shared by the Hono routes and the node fast path so both send the same
// status, headers and bytes. Headers are built once per body, never per request.
import { ErrorCode, isAgentError } from '@clef-sh/errors'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** A ready-to-write response. `headers` includes `content-length`; treat it as immutable. */
export interface Reply {
  readonly status: ContentfulStatusCode
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  /**
   * When set, `body` is lent (a JIT plaintext, zeroed and reused afterwards): the writer calls
   * this once, when the response has been written or aborted, and never reads `body` after.
   */
  readonly release?: () => void
}

/** True for a promise of `T` rather than a `T` (ServedSecrets and Reply are never thenable). */
export const isPromise = <T>(v: T | Promise<T>): v is Promise<T> =>
  typeof (v as { then?: unknown }).then === 'function'

/** HTTP status of every stable code. Exhaustive: a new code does not compile until mapped. */
export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  config_invalid: 500,
  json_parse: 503,
  revoked: 503,
  invalid_shape: 503,
  unsupported_version: 503,
  expired: 503,
  integrity: 503,
  signature_missing: 503,
  signature_invalid: 503,
  decrypt: 503,
  kms_unwrap: 503,
  kms_unsupported_provider: 503,
  rollback: 503,
  lineage_mismatch: 503,
  rollback_marks_corrupt: 500,
  source_unreachable: 503,
  source_auth: 503,
  source_not_found: 503,
  source_rate_limited: 503,
  source_too_large: 503,
  source_invalid_response: 503,
  source_redirect: 503,
  not_loaded: 503,
  snapstart_init: 503,
  cache_expired: 503,
  unauthorized: 401,
  forbidden_host: 403,
  not_found: 404,
  key_not_found: 404,
  key_ambiguous: 409,
  internal: 500,
}

const encoder = new TextEncoder()
const JSON_TYPE = 'application/json'
const METRICS_TYPE = 'text/plain; version=0.0.4'

// Every answer is no-store: secrets obviously, and probes and errors too, because a cached 200
// or 503 would hide the agent's current state.
const createReply = (
  status: ContentfulStatusCode,
  body: Uint8Array,
  extra: Record<string, string> = {},
): Reply => ({
  status,
  headers: {
    'content-type': JSON_TYPE,
    'cache-control': 'no-store',
    'content-length': String(body.byteLength),
    ...extra,
  },
  body,
})

const replies = new WeakMap<Uint8Array, Reply>()

/** A 200 JSON reply for pre-serialized bytes, memoized per body (one per revision and key). */
export const bytesReply = (body: Uint8Array): Reply => {
  let reply = replies.get(body)
  if (reply === undefined) {
    reply = createReply(200, body)
    replies.set(body, reply)
  }
  return reply
}

/** A JSON reply serialized now: for small, changing bodies (health, ready, refresh). */
export const jsonReply = (status: ContentfulStatusCode, value: unknown): Reply =>
  createReply(status, encoder.encode(JSON.stringify(value)))

/** A Prometheus text reply. */
export const metricsReply = (text: string): Reply =>
  createReply(200, encoder.encode(text), { 'content-type': METRICS_TYPE })

const errorBody = (code: string, message: string): Uint8Array =>
  encoder.encode(JSON.stringify({ error: message, code }))

/** The error reply of `code`; its status comes from {@link STATUS}. */
export const codeReply = (code: ErrorCode, message: string, extra?: Record<string, string>): Reply =>
  createReply(STATUS[code], errorBody(code, message), extra)

/** 500 `internal` without the original message, which may carry anything. */
export const INTERNAL: Reply = codeReply(ErrorCode.Internal, 'internal error')

/**
 * Maps anything thrown to its reply: an AgentError keeps its code and (secret-free) message,
 * anything else becomes {@link INTERNAL}.
 */
export const errorReply = (e: unknown): Reply => (isAgentError(e) ? codeReply(e.code, e.message) : INTERNAL)

/** Constant replies of the guards and the router. */
export const FORBIDDEN_HOST: Reply = codeReply(ErrorCode.ForbiddenHost, 'forbidden host')
export const UNAUTHORIZED: Reply = codeReply(ErrorCode.Unauthorized, 'missing or invalid bearer token', {
  'www-authenticate': 'Bearer',
})
export const NOT_FOUND: Reply = codeReply(ErrorCode.NotFound, 'not found')
export const KEY_NOT_FOUND: Reply = codeReply(ErrorCode.KeyNotFound, 'secret not found')
export const KEY_AMBIGUOUS: Reply = codeReply(
  ErrorCode.KeyAmbiguous,
  'key exists in several namespaces; ask for it as <namespace>__<key>',
)

/** 405 for a known path asked with another method; `method_not_allowed` is an API-only code. */
export const methodNotAllowed = (allow: string): Reply =>
  createReply(405, errorBody('method_not_allowed', 'method not allowed'), { allow })
