// The logger contract every library reports through. Libraries never write to the console;
// the app decides the format (JSON lines or pretty) and the level.

/** Structured context of a log line. Never put a secret value, token, key or DEK here. */
export type LogFields = Record<string, unknown>

/**
 * A leveled, structured logger. `msg` is a short constant sentence; context goes in `fields`.
 * Libraries call it on hot and failure paths without a try/catch, so an implementation must not
 * throw.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
}

const noop = (): void => {}

/** A logger that drops everything (the default of every library). */
export const noopLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }
