// A client of the Lambda Extensions API (2020-01-01) at AWS_LAMBDA_RUNTIME_API: register,
// the long-polled event/next, and the init/exit error reports. node:http keeps start-up cheap.
import { Agent, request } from 'node:http'
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** The lifecycle events an external extension registers for. */
export type ExtensionEventType = 'INVOKE' | 'SHUTDOWN'

/** An event from event/next. `deadlineMs` is epoch ms. */
export type ExtensionEvent =
  | { eventType: 'INVOKE'; deadlineMs: number; requestId: string }
  | { eventType: 'SHUTDOWN'; deadlineMs: number; shutdownReason: string }

/** The Extensions API, bound to one extension once registered. */
export interface ExtensionsClient {
  /** Registers `name` (the extension's file name) for `events`; later calls use the identifier. */
  register(name: string, events: readonly ExtensionEventType[]): Promise<{ functionName: string }>
  /** Waits, without a timeout (the environment may be frozen meanwhile), for the next event. */
  next(): Promise<ExtensionEvent>
  /** Reports a failed INIT; Lambda then refuses every call and restarts the environment. */
  initError(errorType: string, message: string): Promise<void>
  /** Reports a fatal failure after INIT, before exiting. */
  exitError(errorType: string, message: string): Promise<void>
}

interface Call {
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  body?: string
}

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

const MAX_BODY = 1024 * 1024
// Every call but event/next answers at once; one that does not is a broken environment.
const CALL_TIMEOUT_MS = 10_000

/** A client for `runtimeApi` (`host:port`, as in AWS_LAMBDA_RUNTIME_API). */
export const createExtensionsClient = (runtimeApi: string): ExtensionsClient => {
  const [host = '127.0.0.1', port = '80'] = runtimeApi.split(':')
  const agent = new Agent({ keepAlive: true })
  let id: string | undefined

  const call = ({ method, path, headers, body }: Call): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host, port: Number(port), method, path: `/2020-01-01/extension/${path}`, headers, agent },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            text += chunk
            if (text.length > MAX_BODY) res.destroy(new Error('answer too large'))
          })
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text })
          })
          res.on('error', reject)
        },
      )
      if (path !== 'event/next') {
        req.setTimeout(CALL_TIMEOUT_MS, () => {
          req.destroy(new Error('timed out'))
        })
      }
      req.on('error', (e) => {
        reject(new AgentError(ErrorCode.Internal, `[${method}] ${path}: ${e.message}`, { cause: e }))
      })
      req.end(body)
    })

  /** Makes the call; a non-2xx answer throws AgentError `internal` with the status and the body's start. */
  const callOk = async (c: Call): Promise<Answer> => {
    const answer = await call(c)
    if (answer.status >= 200 && answer.status < 300) return answer
    throw new AgentError(
      ErrorCode.Internal,
      `[${c.method}] ${c.path}: ${answer.status} ${answer.body.slice(0, 200)}`,
    )
  }

  const identified = (): Record<string, string> => {
    if (id === undefined) throw new AgentError(ErrorCode.Internal, 'the extension is not registered')
    return { 'Lambda-Extension-Identifier': id }
  }

  const report = async (kind: 'init' | 'exit', errorType: string, errorMessage: string): Promise<void> => {
    const headers = {
      ...identified(),
      'Lambda-Extension-Function-Error-Type': errorType,
      'Content-Type': 'application/json',
    }
    const body = JSON.stringify({ errorMessage, errorType, stackTrace: [] })
    await callOk({ method: 'POST', path: `${kind}/error`, headers, body })
  }

  return {
    register: async (name, events) => {
      const headers = { 'Lambda-Extension-Name': name, 'Content-Type': 'application/json' }
      const answer = await callOk({
        method: 'POST',
        path: 'register',
        headers,
        body: JSON.stringify({ events }),
      })
      const given = answer.headers['lambda-extension-identifier']
      if (typeof given !== 'string' || given === '') {
        throw new AgentError(ErrorCode.Internal, 'register: no Lambda-Extension-Identifier in the answer')
      }
      id = given
      return JSON.parse(answer.body) as { functionName: string }
    },
    next: async () =>
      JSON.parse(
        (await callOk({ method: 'GET', path: 'event/next', headers: identified() })).body,
      ) as ExtensionEvent,
    initError: (type, message) => report('init', type, message),
    exitError: (type, message) => report('exit', type, message),
  }
}
