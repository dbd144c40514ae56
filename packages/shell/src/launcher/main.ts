// Entry of the launcher that `bundle()` puts in front of every node bundle (`clef-agent.cjs`): the
// bundle's program is the string `__clef_main_source` above this code in the same file, run as
// this very module with the V8 code cache of code-cache.ts. Only the launcher is compiled the
// usual way; it is small.
import type { LogLevel } from '@clef-sh/agent-core'
import { createLogger, logFormatOf } from '../logger.ts'
import { underStartFlags } from '../process-flags.ts'
import { runWithCodeCache } from './code-cache.ts'

declare const __clef_main_source: string
declare const __clef_main_sha256: string

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'] satisfies LogLevel[]

/** CLEF_AGENT_LOG_LEVEL when valid, else info (the program itself reports a bad value). */
const levelOf = (env: NodeJS.ProcessEnv): LogLevel => {
  const level = env['CLEF_AGENT_LOG_LEVEL']?.trim().toLowerCase() ?? 'info'
  return LEVELS.includes(level) ? (level as LogLevel) : 'info'
}

runWithCodeCache({
  // Compiled with V8's default flags, so written under them too (process-flags.ts).
  writeUnder: underStartFlags,
  source: __clef_main_source,
  sourceSha256: __clef_main_sha256,
  scope: { module, require, filename: __filename, dirname: __dirname },
  env: process.env,
  uid: process.geteuid?.(),
  // stderr: stdout may belong to the command (`--version`, `exec`'s child reads it too).
  logger: createLogger({
    level: levelOf(process.env),
    format: logFormatOf(process.env),
    write: (line) => process.stderr.write(line),
  }),
})
