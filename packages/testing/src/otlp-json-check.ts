// A strict structural check of an OTLP/HTTP JSON ExportLogsServiceRequest (opentelemetry-proto
// logs/v1 and common/v1, JSON mapping): known fields only, 64-bit integers as decimal strings,
// every AnyValue with exactly one kind. Independent of the telemetry package it checks.

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isUint64String = (v: unknown): boolean => typeof v === 'string' && /^\d{1,20}$/.test(v)
const isIntString = (v: unknown): boolean => typeof v === 'string' && /^-?\d{1,19}$/.test(v)

const FIELDS = {
  request: ['resourceLogs'],
  resourceLogs: ['resource', 'scopeLogs', 'schemaUrl'],
  resource: ['attributes', 'droppedAttributesCount'],
  scopeLogs: ['scope', 'logRecords', 'schemaUrl'],
  scope: ['name', 'version', 'attributes', 'droppedAttributesCount'],
  logRecord: [
    'timeUnixNano',
    'observedTimeUnixNano',
    'severityNumber',
    'severityText',
    'body',
    'attributes',
    'droppedAttributesCount',
    'flags',
    'traceId',
    'spanId',
    'eventName',
  ],
} as const
const VALUE_KINDS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
]

/** The checks, all reporting into one list of problems that each name their JSON path. */
const createChecker = (out: string[]) => {
  const problem = (message: string): void => {
    out.push(message)
  }
  const known = (v: Obj, fields: readonly string[], path: string): void => {
    for (const k of Object.keys(v)) if (!fields.includes(k)) problem(`${path}.${k}: unknown field`)
  }
  const list = (v: unknown, path: string): unknown[] => {
    if (Array.isArray(v)) return v
    problem(`${path}: must be an array`)
    return []
  }
  const kindOk = (kind: string, x: unknown): boolean => {
    switch (kind) {
      case 'stringValue':
        return typeof x === 'string'
      case 'boolValue':
        return typeof x === 'boolean'
      case 'intValue':
        return isIntString(x) || Number.isSafeInteger(x)
      case 'doubleValue':
        return typeof x === 'number'
      case 'bytesValue':
        return typeof x === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(x)
      default:
        return isObj(x)
    }
  }
  const anyValue = (v: unknown, path: string): void => {
    if (!isObj(v)) {
      problem(`${path}: must be an AnyValue object`)
      return
    }
    known(v, VALUE_KINDS, path)
    const kinds = Object.keys(v).filter((k) => VALUE_KINDS.includes(k))
    const kind = kinds[0] ?? ''
    const x = v[kind]
    if (kinds.length !== 1) problem(`${path}: must have exactly one value kind, has ${kinds.length}`)
    else if (!kindOk(kind, x)) problem(`${path}.${kind}: wrong type`)
    else if (kind === 'arrayValue') {
      list((x as Obj)['values'] ?? [], `${path}.arrayValue.values`).forEach((e, i) => {
        anyValue(e, `${path}.arrayValue.values[${i}]`)
      })
    } else if (kind === 'kvlistValue') attributes((x as Obj)['values'] ?? [], `${path}.kvlistValue.values`)
  }
  const attributes = (v: unknown, path: string): void => {
    const seen = new Set<string>()
    list(v, path).forEach((kv, i) => {
      const at = `${path}[${i}]`
      if (!isObj(kv)) {
        problem(`${at}: must be a KeyValue object`)
        return
      }
      known(kv, ['key', 'value'], at)
      const key = kv['key']
      if (typeof key !== 'string' || key === '') problem(`${at}.key: must be a non-empty string`)
      else if (seen.has(key)) problem(`${at}.key: duplicate key ${key}`)
      else seen.add(key)
      anyValue(kv['value'], `${at}.value`)
    })
  }
  const logRecord = (r: unknown, path: string): void => {
    if (!isObj(r)) {
      problem(`${path}: must be an object`)
      return
    }
    known(r, FIELDS.logRecord, path)
    for (const f of ['timeUnixNano', 'observedTimeUnixNano'] as const)
      if (r[f] !== undefined && !isUint64String(r[f])) problem(`${path}.${f}: must be a decimal string`)
    const sev = r['severityNumber']
    if (sev !== undefined && !(typeof sev === 'number' && Number.isInteger(sev) && sev >= 0 && sev <= 24))
      problem(`${path}.severityNumber: must be an integer 0..24`)
    if (r['severityText'] !== undefined && typeof r['severityText'] !== 'string')
      problem(`${path}.severityText: must be a string`)
    if (r['body'] !== undefined) anyValue(r['body'], `${path}.body`)
    if (r['attributes'] !== undefined) attributes(r['attributes'], `${path}.attributes`)
  }
  const object = (v: unknown, fields: readonly string[], path: string): Obj | undefined => {
    if (isObj(v)) {
      known(v, fields, path)
      return v
    }
    problem(`${path}: must be an object`)
    return undefined
  }
  const scopeLogs = (s: unknown, path: string): void => {
    const sl = object(s, FIELDS.scopeLogs, path)
    if (sl === undefined) return
    if (sl['scope'] !== undefined) object(sl['scope'], FIELDS.scope, `${path}.scope`)
    list(sl['logRecords'] ?? [], `${path}.logRecords`).forEach((r, i) => {
      logRecord(r, `${path}.logRecords[${i}]`)
    })
  }
  const resourceLogs = (v: unknown, path: string): void => {
    const rl = object(v, FIELDS.resourceLogs, path)
    if (rl === undefined) return
    const resource =
      rl['resource'] === undefined ? undefined : object(rl['resource'], FIELDS.resource, `${path}.resource`)
    if (resource !== undefined) attributes(resource['attributes'] ?? [], `${path}.resource.attributes`)
    list(rl['scopeLogs'], `${path}.scopeLogs`).forEach((sl, j) => {
      scopeLogs(sl, `${path}.scopeLogs[${j}]`)
    })
  }
  return { object, list, resourceLogs }
}

/**
 * The problems of `value` as an ExportLogsServiceRequest in OTLP JSON; empty when it conforms.
 * Stricter than a collector on purpose: unknown fields are problems.
 */
export const checkExportLogsRequest = (value: unknown): string[] => {
  if (!isObj(value)) return ['$: must be an object']
  const out: string[] = []
  const check = createChecker(out)
  check.object(value, FIELDS.request, '$')
  check.list(value['resourceLogs'], '$.resourceLogs').forEach((rl, i) => {
    check.resourceLogs(rl, `$.resourceLogs[${i}]`)
  })
  return out
}
