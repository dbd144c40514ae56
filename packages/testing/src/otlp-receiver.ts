// A test OTLP/HTTP logs collector on a real socket: parses each JSON export, checks it against
// the OTLP structure, and keeps it. It can also fail, or black-hole (accept and never answer).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { checkExportLogsRequest } from './otlp-json-check.ts'

/** `accept`: 200; `blackhole`: hold every request open, never answer; a number: answer that status. */
export type OtlpReceiverMode = 'accept' | 'blackhole' | number

/** One request as received. `problems` is empty for a conforming export. */
export interface ReceivedExport {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** The raw body text, for scanning. */
  readonly text: string
  readonly problems: string[]
}

/** A log record flattened for assertions: attributes and resource as plain maps. */
export interface ReceivedLogRecord {
  readonly eventName: string | undefined
  readonly severityNumber: number | undefined
  readonly severityText: string | undefined
  readonly body: unknown
  readonly timeUnixNano: string | undefined
  readonly attributes: Record<string, unknown>
  readonly resource: Record<string, unknown>
}

/** A running receiver; `await using rx = await startOtlpReceiver()`. */
export interface OtlpReceiver extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` without a path. */
  readonly url: string
  mode: OtlpReceiverMode
  /** `partialSuccess.rejectedLogRecords` of every accepted answer. Default 0. */
  rejectEach: number
  readonly exports: ReceivedExport[]
  /** Sockets accepted so far. */
  readonly connections: number
  /** Records of the conforming, accepted exports, in arrival order. */
  records(): ReceivedLogRecord[]
  /** Resolves once `predicate(records())` holds; rejects after `timeoutMs` (default 2000). */
  waitFor(predicate: (records: ReceivedLogRecord[]) => boolean, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

type Obj = Record<string, unknown>
type KeyValue = { key: string; value: Obj }

const plain = (value: Obj): unknown => Object.values(value)[0]
const toMap = (kvs: unknown): Record<string, unknown> =>
  Object.fromEntries(((kvs ?? []) as KeyValue[]).map((kv) => [kv.key, plain(kv.value)]))

const flatten = (request: Obj): ReceivedLogRecord[] =>
  ((request['resourceLogs'] ?? []) as Obj[]).flatMap((rl) => {
    const resource = toMap((rl['resource'] as Obj | undefined)?.['attributes'])
    return ((rl['scopeLogs'] ?? []) as Obj[]).flatMap((sl) =>
      ((sl['logRecords'] ?? []) as Obj[]).map((r) => {
        const attributes = toMap(r['attributes'])
        return {
          eventName: attributes['event.name'] as string | undefined,
          severityNumber: r['severityNumber'] as number | undefined,
          severityText: r['severityText'] as string | undefined,
          body: r['body'] === undefined ? undefined : plain(r['body'] as Obj),
          timeUnixNano: r['timeUnixNano'] as string | undefined,
          attributes,
          resource,
        }
      }),
    )
  })

const parse = (text: string, headers: IncomingHttpHeaders): { problems: string[]; value?: Obj } => {
  if (!(headers['content-type'] ?? '').startsWith('application/json'))
    return { problems: ['content-type must be application/json'] }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { problems: ['body is not JSON'] }
  }
  const problems = checkExportLogsRequest(value)
  return problems.length === 0 ? { problems, value: value as Obj } : { problems }
}

const reply = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

/** Starts a receiver on 127.0.0.1, on a free port, in `mode` (default `accept`). */
export const startOtlpReceiver = async (mode: OtlpReceiverMode = 'accept'): Promise<OtlpReceiver> => {
  const exports: ReceivedExport[] = []
  const records: ReceivedLogRecord[] = []
  const sockets = new Set<Socket>()
  let connections = 0
  const answer = (res: ServerResponse, problems: string[], value: Obj | undefined): void => {
    if (problems.length > 0) reply(res, 400, { error: problems.join('; ') })
    // Only accepted exports count as received: a refused one will be retried.
    else if (typeof rx.mode === 'number' && rx.mode !== 200) reply(res, rx.mode, {})
    else {
      if (value !== undefined) records.push(...flatten(value))
      reply(
        res,
        200,
        rx.rejectEach > 0 ? { partialSuccess: { rejectedLogRecords: String(rx.rejectEach) } } : {},
      )
    }
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const { problems, value } = parse(text, req.headers)
      exports.push({ path: req.url ?? '', headers: req.headers, text, problems })
      if (rx.mode !== 'blackhole') answer(res, problems, value)
    })
  })
  server.on('connection', (socket: Socket) => {
    connections += 1
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => {
        resolve()
      })
    })
  const rx: OtlpReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode,
    rejectEach: 0,
    exports,
    get connections() {
      return connections
    },
    records: () => [...records],
    waitFor: async (predicate, timeoutMs = 2000) => {
      const until = Date.now() + timeoutMs
      while (!predicate([...records])) {
        if (Date.now() > until) throw new Error(`OTLP receiver: condition not met in ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  }
  return rx
}

/** A URL on 127.0.0.1 whose port was just free and is now closed: connections are refused. */
export const refusingUrl = async (): Promise<string> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve()
    })
  })
  return `http://127.0.0.1:${port}`
}
