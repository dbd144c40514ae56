// What the other runtime shells (the sidecar image, the Lambda extension) reuse from the daemon:
// its commands and its log sink. Exported as `clef-agent/shell`.
export { runCli } from './commands.ts'
export { createLogger } from './logger.ts'
export type { LoggerOptions, LogLevel } from './logger.ts'
