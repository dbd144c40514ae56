// A Logger that keeps every line, so tests can assert what was logged and scan it for secrets.
import type { LogFields, Logger } from '@clef-sh/errors'

/** One recorded log line. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  msg: string
  fields: LogFields
}

/** A {@link Logger} whose `lines` hold every call, in order. */
export const createLogRecorder = (): Logger & { lines: LogLine[] } => {
  const lines: LogLine[] = []
  const at =
    (level: LogLine['level']) =>
    (msg: string, fields: LogFields = {}): void => {
      lines.push({ level, msg, fields })
    }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
