// Everything the extension does once its register call is in flight: configuration, log sink and
// the lifecycle. Loaded lazily by main.ts, so that this code is read while Lambda registers us.
import { tmpdir } from 'node:os'
import { parseConfig } from '@clef-sh/agent-core'
import { missingBundledFiles } from '../bundled-files.ts'
import { createLogger } from '../logger.ts'
import type { ExtensionsClient } from './extensions-api.ts'
import { runExtension } from './lifecycle.ts'
import { serveExtension } from './serve-extension.ts'

/** Options of {@link boot}. */
export interface BootOptions {
  client: ExtensionsClient
  registration: Promise<unknown>
  env: NodeJS.ProcessEnv
}

/** Runs the extension; resolves its exit code (0 after SHUTDOWN, 1 after a reported failure). */
export const boot = ({ client, registration, env }: BootOptions): Promise<number> => {
  const parsed = parseConfig(env, { tmpdir: tmpdir(), uid: process.getuid?.() ?? 'user' })
  const logger = createLogger(
    parsed.ok
      ? { level: parsed.config.logLevel, format: parsed.config.logFormat }
      : { level: 'info', format: 'json' },
  )
  const snapStart = env['AWS_LAMBDA_INITIALIZATION_TYPE'] === 'snap-start'
  return runExtension({
    client,
    registration,
    setup: async () => {
      // The Node.js layer's bundle without its vendor/ files: an init error naming them.
      const missing = missingBundledFiles()
      if (missing !== undefined) throw missing
      return serveExtension(parsed, logger, { snapStart })
    },
    snapStart,
    logger,
  })
}
