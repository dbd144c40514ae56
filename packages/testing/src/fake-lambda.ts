// A fake Lambda Extensions API (2020-01-01) on a real socket: register, the long-polled
// event/next handing out INVOKE and SHUTDOWN events, init/error and exit/error, with Lambda's
// phase rules, so an extension behaves against it as it would inside a real execution environment.
import { closeLocal, listenLocal } from './local-server.ts'
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The lifecycle events of the Extensions API. */
export type LambdaEventType = 'INVOKE' | 'SHUTDOWN'

/** An INVOKE event as event/next hands it out. `deadlineMs` is epoch ms, as Lambda sends it. */
export interface LambdaInvokeEvent {
  eventType: 'INVOKE'
  deadlineMs: number
  requestId: string
  invokedFunctionArn: string
  tracing: { type: 'X-Amzn-Trace-Id'; value: string }
}

/** A SHUTDOWN event; the extension must have exited by `deadlineMs` (epoch ms). */
export interface LambdaShutdownEvent {
  eventType: 'SHUTDOWN'
  shutdownReason: 'spindown' | 'timeout' | 'failure'
  deadlineMs: number
}

export type LambdaEvent = LambdaInvokeEvent | LambdaShutdownEvent

/** A registered extension as the fake sees it. Times are `performance.now()` ms. */
export interface FakeLambdaExtension {
  readonly id: string
  readonly name: string
  readonly events: readonly LambdaEventType[]
  readonly registeredAt: number
  /** When it first asked for an event: the end of its INIT. */
  initDoneAt: number | undefined
  /** Every event handed to it, in order. */
  readonly delivered: LambdaEvent[]
  /** True after init/error or exit/error: Lambda then refuses its calls. */
  failed: boolean
}

/** One init/error or exit/error report. */
export interface LambdaErrorReport {
  kind: 'init' | 'exit'
  extensionName: string
  /** `Lambda-Extension-Function-Error-Type`, e.g. `Extension.SignatureInvalid`. */
  errorType: string
  /** The JSON body (`errorMessage`, `errorType`, `stackTrace`), or undefined. */
  body: unknown
  at: number
}

/** Options of {@link startFakeLambda}. */
export interface FakeLambdaOptions {
  functionName?: string
  /** Names of the files in /opt/extensions; any other `Lambda-Extension-Name` gets 403. */
  extensionNames?: string[]
}

/** A running fake; `await using lambda = await startFakeLambda()`. */
export interface FakeLambda extends AsyncDisposable {
  /** `127.0.0.1:<port>`: the value of `AWS_LAMBDA_RUNTIME_API` (host and port, no scheme). */
  readonly runtimeApi: string
  readonly extensions: readonly FakeLambdaExtension[]
  readonly errors: readonly LambdaErrorReport[]
  /**
   * Resolves when `count` extensions registered and each one finished INIT (asked for its first
   * event). Rejects as soon as one reports init/error, or after `timeoutMs` (default 10 s).
   */
  initDone(opts?: { count?: number; timeoutMs?: number }): Promise<void>
  /**
   * Hands an INVOKE to every extension registered for it, and resolves when each has asked for its
   * next event again (the end of the Invoke phase). Throws when INIT is not done.
   */
  invoke(opts?: { timeoutMs?: number }): Promise<LambdaInvokeEvent>
  /** Hands a SHUTDOWN (deadline `deadlineInMs` from now, default 2000) to the subscribers. */
  shutdown(opts?: {
    reason?: LambdaShutdownEvent['shutdownReason']
    deadlineInMs?: number
  }): LambdaShutdownEvent
  /** Resolves the first error report of `kind` (now or later). */
  nextError(kind: 'init' | 'exit'): Promise<LambdaErrorReport>
  close(): Promise<void>
}

const BASE = '/2020-01-01/extension'
const EVENT_TYPES: ReadonlySet<string> = new Set(['INVOKE', 'SHUTDOWN'])

interface Slot {
  ext: FakeLambdaExtension
  queue: LambdaEvent[]
  waiting: ServerResponse | undefined
  /** Called on the next event/next after a delivery: that delivery's phase is over. */
  onNext: (() => void) | undefined
}

/** What the fake answers to one call. */
interface Answer {
  status: number
  body: unknown
  headers?: Record<string, string>
}

/** An error answer, shaped like Lambda's: `{ errorMessage, errorType }`. */
const refuse = (status: number, errorType: string, errorMessage: string): Answer => ({
  status,
  body: { errorMessage, errorType },
})

const send = (res: ServerResponse, answer: Answer): void => {
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
  res.end(JSON.stringify(answer.body))
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  let text = ''
  for await (const chunk of req) text += String(chunk)
  return text
}

const parseJson = (text: string): unknown => {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown)
  } catch {
    return undefined
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      reject(new Error(`fake Lambda: ${what} did not happen within ${ms} ms`))
    }, ms)
    p.then(resolve, reject).finally(() => {
      clearTimeout(t)
    })
  })

/** Change notifications: `until(check)` re-runs `check` after every change of the fake's state. */
const createWaiters = () => {
  const listeners = new Set<() => void>()
  const notify = (): void => {
    for (const cb of [...listeners]) cb()
  }
  /** Resolves once `check` returns true, rejects when it returns an Error or after `ms`. */
  const until = (check: () => boolean | Error, ms: number, what: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const settle = (outcome: boolean | Error): void => {
        if (outcome === false) return
        listeners.delete(cb)
        clearTimeout(timer)
        if (outcome === true) resolve()
        else reject(outcome)
      }
      const cb = (): void => {
        settle(check())
      }
      const timer = setTimeout(() => {
        settle(new Error(`fake Lambda: no ${what} within ${ms} ms`))
      }, ms)
      listeners.add(cb)
      cb()
    })
  return { notify, until }
}

/** Everything one fake execution environment knows. */
interface LambdaState {
  readonly functionName: string
  readonly allowedNames: readonly string[] | undefined
  readonly slots: Map<string, Slot>
  readonly extensions: FakeLambdaExtension[]
  readonly errors: LambdaErrorReport[]
  readonly notify: () => void
}

/** One call, its body read and parsed. */
interface Call {
  req: IncomingMessage
  res: ServerResponse
  body: unknown
}

const initOver = (state: LambdaState): boolean =>
  state.extensions.length > 0 && state.extensions.every((e) => e.initDoneAt !== undefined)

/** Answers the extension's waiting event/next with its next queued event, if both exist. */
const deliver = (slot: Slot): void => {
  const res = slot.waiting
  const event = res === undefined ? undefined : slot.queue.shift()
  if (res === undefined || event === undefined) return
  slot.waiting = undefined
  slot.ext.delivered.push(event)
  send(res, { status: 200, body: event, headers: { 'lambda-extension-event-identifier': randomUUID() } })
}

/** Queues `event` for every extension registered for `type`; returns their slots. */
const enqueue = (state: LambdaState, type: LambdaEventType, event: LambdaEvent): Slot[] => {
  const targets = [...state.slots.values()].filter((s) => s.ext.events.includes(type) && !s.ext.failed)
  for (const slot of targets) {
    slot.queue.push(event)
    deliver(slot)
  }
  return targets
}

const register = (state: LambdaState, { req, body }: Call): Answer => {
  const name = header(req, 'lambda-extension-name')
  if (name === undefined || name === '') return refuse(400, 'InvalidRequest', 'missing Lambda-Extension-Name')
  if (state.allowedNames !== undefined && !state.allowedNames.includes(name)) {
    return refuse(403, 'Extension.UnknownExtension', `no extension file named ${name}`)
  }
  if (initOver(state)) return refuse(403, 'Extension.InvalidPhase', 'register is only allowed during INIT')
  const events = (body as { events?: unknown } | undefined)?.events ?? []
  if (!Array.isArray(events) || !events.every((e) => typeof e === 'string' && EVENT_TYPES.has(e))) {
    return refuse(400, 'InvalidEventType', 'events must be INVOKE and/or SHUTDOWN')
  }
  const ext: FakeLambdaExtension = {
    id: randomUUID(),
    name,
    events: events as LambdaEventType[],
    registeredAt: performance.now(),
    initDoneAt: undefined,
    delivered: [],
    failed: false,
  }
  state.extensions.push(ext)
  state.slots.set(ext.id, { ext, queue: [], waiting: undefined, onNext: undefined })
  state.notify()
  const account =
    header(req, 'lambda-extension-accept-feature') === 'accountId' ? { accountId: '123456789012' } : {}
  return {
    status: 200,
    body: {
      functionName: state.functionName,
      functionVersion: '$LATEST',
      handler: 'index.handler',
      ...account,
    },
    headers: { 'lambda-extension-identifier': ext.id },
  }
}

/** Holds `res` until an event is there (the environment may be frozen meanwhile). */
const next = (state: LambdaState, slot: Slot, res: ServerResponse): void => {
  slot.ext.initDoneAt ??= performance.now()
  const ack = slot.onNext
  slot.onNext = undefined
  slot.waiting = res
  res.once('close', () => {
    if (slot.waiting === res) slot.waiting = undefined
  })
  ack?.()
  deliver(slot)
  state.notify()
}

const reportError = (state: LambdaState, slot: Slot, { req, body }: Call): Answer => {
  const kind = req.url?.includes('/init/') === true ? 'init' : 'exit'
  const errorType = header(req, 'lambda-extension-function-error-type')
  if (errorType === undefined || errorType === '') {
    return refuse(400, 'InvalidRequest', 'missing Lambda-Extension-Function-Error-Type')
  }
  if (kind === 'init' && slot.ext.initDoneAt !== undefined) {
    return refuse(403, 'Extension.InvalidPhase', 'init/error is only allowed during INIT')
  }
  slot.ext.failed = true
  state.errors.push({ kind, extensionName: slot.ext.name, errorType, body, at: performance.now() })
  state.notify()
  return { status: 202, body: { status: 'OK' } }
}

const IDENTIFIED: Readonly<Record<string, 'GET' | 'POST'>> = {
  [`${BASE}/event/next`]: 'GET',
  [`${BASE}/init/error`]: 'POST',
  [`${BASE}/exit/error`]: 'POST',
}

/** The answer to one call, or undefined for an event/next held open. */
const route = (state: LambdaState, call: Call): Answer | undefined => {
  const { req } = call
  const path = (req.url ?? '').split('?')[0] ?? ''
  if (path === `${BASE}/register`) {
    return req.method === 'POST' ? register(state, call) : refuse(405, 'MethodNotAllowed', 'use POST')
  }
  const method = IDENTIFIED[path]
  if (method === undefined) return refuse(404, 'NotFound', `unknown path ${path}`)
  if (req.method !== method) return refuse(405, 'MethodNotAllowed', `use ${method}`)
  const slot = state.slots.get(header(req, 'lambda-extension-identifier') ?? '')
  if (slot === undefined) return refuse(403, 'Extension.UnknownExtensionIdentifier', 'unknown extension id')
  if (slot.ext.failed) return refuse(403, 'Extension.Failed', 'the extension reported an error')
  if (method === 'POST') return reportError(state, slot, call)
  next(state, slot, call.res)
  return undefined
}

const invokeEvent = (functionName: string, timeoutMs: number): LambdaInvokeEvent => ({
  eventType: 'INVOKE',
  deadlineMs: Date.now() + timeoutMs,
  requestId: randomUUID(),
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
  tracing: {
    type: 'X-Amzn-Trace-Id',
    value: `Root=1-${randomBytes(4).toString('hex')}-${randomBytes(12).toString('hex')}`,
  },
})

const listen = async (state: LambdaState): Promise<Server> => {
  const server = createServer((req, res) => {
    readBody(req)
      .then((text) => {
        const answer = route(state, { req, res, body: parseJson(text) })
        if (answer !== undefined) send(res, answer)
      })
      .catch(() => res.destroy())
  })
  await listenLocal(server)
  return server
}

/** Starts the fake on 127.0.0.1, on a free port. */
export const startFakeLambda = async (opts: FakeLambdaOptions = {}): Promise<FakeLambda> => {
  const { notify, until } = createWaiters()
  const state: LambdaState = {
    functionName: opts.functionName ?? 'clef-test-function',
    allowedNames: opts.extensionNames,
    slots: new Map(),
    extensions: [],
    errors: [],
    notify,
  }
  const server = await listen(state)
  const close = (): Promise<void> => closeLocal(server)
  const initFailure = (): Error | undefined => {
    const failed = state.errors.find((e) => e.kind === 'init')
    return failed === undefined ? undefined : new Error(`fake Lambda: init/error ${failed.errorType}`)
  }

  return {
    runtimeApi: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    extensions: state.extensions,
    errors: state.errors,
    initDone: ({ count = 1, timeoutMs = 10_000 } = {}) =>
      until(() => initFailure() ?? (state.extensions.length >= count && initOver(state)), timeoutMs, 'INIT'),
    invoke: async ({ timeoutMs = 10_000 } = {}) => {
      if (!initOver(state)) throw new Error('fake Lambda: invoke before every extension finished INIT')
      const event = invokeEvent(state.functionName, timeoutMs)
      const targets = enqueue(state, 'INVOKE', event)
      const done = targets.map((slot) => new Promise<void>((resolve) => (slot.onNext = resolve)))
      await withTimeout(Promise.all(done), timeoutMs, 'the end of the Invoke phase')
      return event
    },
    shutdown: ({ reason = 'spindown', deadlineInMs = 2000 } = {}) => {
      const event: LambdaShutdownEvent = {
        eventType: 'SHUTDOWN',
        shutdownReason: reason,
        deadlineMs: Date.now() + deadlineInMs,
      }
      enqueue(state, 'SHUTDOWN', event)
      return event
    },
    nextError: async (kind) => {
      await until(() => state.errors.some((e) => e.kind === kind), 10_000, `${kind}/error`)
      return state.errors.find((e) => e.kind === kind) as LambdaErrorReport
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}
