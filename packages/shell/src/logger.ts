// The shells' log sink: one JSON object per line (or a short human line with
// CLEF_AGENT_LOG_FORMAT=pretty). Libraries only see the Logger interface. Pretty lines escape every
// control character, so text from an artifact or a server can never start a forged line.
import type { LogFormat, LogLevel } from '@clef-sh/agent-core'
import type { LogFields, Logger } from '@clef-sh/errors'

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel
  format: LogFormat
  /** Default: stdout. */
  write?: (line: string) => void
  now?: () => Date
}

/** The log format `env` asks for, readable before (and despite) a bad configuration. */
export const logFormatOf = (env: NodeJS.ProcessEnv): LogFormat =>
  env['CLEF_AGENT_LOG_FORMAT']?.trim().toLowerCase() === 'pretty' ? 'pretty' : 'json'

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

// C0, DEL, C1 and the two Unicode line separators: anything a terminal or a log shipper may
// treat as a line break or a control sequence.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** `text` with every control character written as an escape (`\n`, `\u001b`). */
export const escapeControl = (text: string): string =>
  text.replace(CONTROL, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

const prettyValue = (v: unknown): string => escapeControl(typeof v === 'string' ? v : JSON.stringify(v))

interface Line {
  time: Date
  level: LogLevel
  msg: string
  fields: LogFields
}

const formatPretty = ({ time, level, msg, fields }: Line): string => {
  // Like the JSON format, which drops undefined fields.
  const ctx = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${escapeControl(k)}=${prettyValue(v)}`)
    .join(' ')
  const head = `${time.toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${escapeControl(msg)}`
  return `${head}${ctx === '' ? '' : ' ' + ctx}\n`
}

/** A line-oriented logger; messages below `level` are dropped before any formatting work. */
export const createLogger = (opts: LoggerOptions): Logger => {
  const write = opts.write ?? ((line: string) => process.stdout.write(line))
  const now = opts.now ?? (() => new Date())
  const min = RANK[opts.level]
  const emit =
    (level: LogLevel) =>
    (msg: string, fields: LogFields = {}): void => {
      if (RANK[level] < min) return
      const time = now()
      write(
        opts.format === 'pretty'
          ? formatPretty({ time, level, msg, fields })
          : JSON.stringify({ time: time.toISOString(), level, msg, ...fields }) + '\n',
      )
    }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}
