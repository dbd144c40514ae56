// A strict parser of the Prometheus text exposition format 0.0.4, so tests check /v1/metrics the
// way a scraper reads it: HELP/TYPE before samples, contiguous families, escaped label values,
// no duplicate series, and consistent histograms.

/** One sample line. */
export interface PromSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** A metric family: its TYPE, HELP and samples (histogram `_bucket`/`_sum`/`_count` included). */
export interface PromFamily {
  readonly name: string
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'
  help: string | undefined
  readonly samples: PromSample[]
}

/** A parsed exposition. */
export interface PromExposition {
  readonly families: ReadonlyMap<string, PromFamily>
  /** The value of the one sample named `name` whose labels include `labels`; undefined if none. */
  value(name: string, labels?: Record<string, string>): number | undefined
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])
const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
}

const parseValue = (text: string): number => {
  if (text === '+Inf' || text === 'Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value "${text}"`)
  return Number(text)
}

const UNESCAPE: Record<string, string> = { '\\': '\\', '"': '"', n: '\n' }

/** Parses `{a="x",b="y"}` starting at `at`; returns the labels and the index after `}`. */
const parseLabels = (line: string, at: number): { labels: Record<string, string>; end: number } => {
  const labels: Record<string, string> = {}
  let i = at + 1
  for (;;) {
    if (line[i] === '}') return { labels, end: i + 1 }
    const eq = line.indexOf('=', i)
    const name = line.slice(i, eq).trim()
    if (eq === -1 || !LABEL.test(name) || line[eq + 1] !== '"') throw new Error(`bad label at column ${i}`)
    if (Object.hasOwn(labels, name)) throw new Error(`duplicate label ${name}`)
    let value = ''
    for (i = eq + 2; line[i] !== '"'; i++) {
      if (i >= line.length) throw new Error('unterminated label value')
      if (line[i] !== '\\') value += line[i] ?? ''
      else if (UNESCAPE[line[i + 1] ?? ''] === undefined) throw new Error(`bad escape at column ${i}`)
      else value += UNESCAPE[line[++i] ?? ''] ?? ''
    }
    labels[name] = value
    i += 1
    if (line[i] === ',') i += 1
    else if (line[i] !== '}') throw new Error(`expected , or } at column ${i}`)
  }
}

const parseSample = (line: string): PromSample => {
  const brace = line.indexOf('{')
  const space = line.indexOf(' ')
  const nameEnd = brace !== -1 && (space === -1 || brace < space) ? brace : space
  const name = line.slice(0, nameEnd)
  if (!NAME.test(name)) throw new Error(`bad metric name "${name}"`)
  const { labels, end } = nameEnd === brace ? parseLabels(line, brace) : { labels: {}, end: nameEnd }
  const rest = line.slice(end).trim().split(/ +/)
  if (rest.length < 1 || rest.length > 2 || rest[0] === '')
    throw new Error('expected a value and an optional timestamp')
  return { name, labels, value: parseValue(rest[0] ?? '') }
}

const checkHistogram = (f: PromFamily): void => {
  const groups = new Map<string, PromSample[]>()
  for (const s of f.samples.filter((x) => x.name === `${f.name}_bucket`)) {
    const { le, ...rest } = s.labels
    if (le === undefined) throw new Error(`${f.name}_bucket without le`)
    const key = JSON.stringify(rest)
    groups.set(key, [...(groups.get(key) ?? []), s])
  }
  for (const [key, buckets] of groups) {
    const sorted = [...buckets].sort(
      (a, b) => parseValue(a.labels['le'] ?? '') - parseValue(b.labels['le'] ?? ''),
    )
    if (sorted.at(-1)?.labels['le'] !== '+Inf') throw new Error(`${f.name}${key}: no +Inf bucket`)
    sorted.forEach((b, i) => {
      if (i > 0 && b.value < (sorted[i - 1]?.value ?? 0))
        throw new Error(`${f.name}${key}: buckets not cumulative`)
    })
    const count = f.samples.find((s) => s.name === `${f.name}_count` && JSON.stringify(s.labels) === key)
    if (count?.value !== sorted.at(-1)?.value)
      throw new Error(`${f.name}${key}: _count differs from the +Inf bucket`)
  }
}

/** Parses `text`; throws an Error naming the line for anything a strict scraper would refuse. */
export const parsePrometheusText = (text: string): PromExposition => {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a newline')
  const families = new Map<string, PromFamily>()
  const series = new Set<string>()
  let current: PromFamily | undefined
  const family = (name: string): PromFamily => {
    let f = families.get(name)
    if (f === undefined) families.set(name, (f = { name, type: 'untyped', help: undefined, samples: [] }))
    return f
  }
  const owner = (sample: string): string => {
    for (const f of families.values())
      if (sample === f.name || (SUFFIXES[f.type] ?? []).some((s) => sample === f.name + s)) return f.name
    return sample
  }
  text
    .split('\n')
    .slice(0, -1)
    .forEach((line, i) => {
      try {
        const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line)
        if (meta !== null) {
          const [, kind, name = '', rest = ''] = meta
          if (!NAME.test(name)) throw new Error(`bad metric name "${name}"`)
          const f = family(name)
          if (f.samples.length > 0) throw new Error(`${kind} after samples of ${name}`)
          if (kind === 'TYPE') {
            if (!TYPES.has(rest)) throw new Error(`unknown type "${rest}"`)
            f.type = rest as PromFamily['type']
          } else f.help = rest.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
          current = f
          return
        }
        if (line === '' || line.startsWith('#')) return
        const sample = parseSample(line)
        const f = family(owner(sample.name))
        if (current !== f && f.samples.length > 0) throw new Error(`samples of ${f.name} are not contiguous`)
        const id = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`
        if (series.has(id)) throw new Error(`duplicate series ${id}`)
        series.add(id)
        f.samples.push(sample)
        current = f
      } catch (e) {
        throw new Error(`line ${i + 1}: ${(e as Error).message}: ${line}`)
      }
    })
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f)
  return {
    families,
    value: (name, labels = {}) => {
      const hits = [...families.values()]
        .flatMap((f) => f.samples)
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      if (hits.length > 1)
        throw new Error(`${hits.length} samples of ${name} match ${JSON.stringify(labels)}`)
      return hits[0]?.value
    },
  }
}
