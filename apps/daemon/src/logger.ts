// The daemon's log sink: one JSON object per line on stdout (or a short human line with
// CLEF_AGENT_LOG_FORMAT=pretty). Libraries only see the Logger interface.
import type { LogFields, Logger } from '@clef-sh/errors'

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel
  format: 'json' | 'pretty'
  write?: (line: string) => void
  now?: () => Date
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

const prettyValue = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))

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
    .map(([k, v]) => `${k}=${prettyValue(v)}`)
    .join(' ')
  return `${time.toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${ctx === '' ? '' : ' ' + ctx}\n`
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
