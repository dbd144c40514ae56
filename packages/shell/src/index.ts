// What the runtime shells (the daemon, the sidecar image, the Lambda extension) share: the
// `clef-agent` commands, serving, the log sink, config-or-exit with its one fatal format, and the
// one rule about what of an error may be printed. The Lambda lifecycle is `@clef-sh/shell/lambda`;
// the bundling helpers are `@clef-sh/shell/bundle`. This is the one package that owns `process`
// (argv, env, exit, signals, stdio): the libraries below it never touch it.
export { runCli } from './commands.ts'
export type { CliOptions } from './commands.ts'
export { createLogger, escapeControl } from './logger.ts'
export type { LoggerOptions } from './logger.ts'
export { codeOf, describeError, messageOf } from './safe-message.ts'
export { configError, configOrExit, fatal, logFormatOf, usageError } from './startup.ts'
export { serveAgent } from './serve.ts'
export type { ServeOptions, ServingAgent } from './serve.ts'
export { probeAgent } from './healthcheck.ts'
export type { ProbeResult } from './healthcheck.ts'
