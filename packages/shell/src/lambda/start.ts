// Entry of the Lambda extension shell, for any program Lambda starts from a layer: register with
// the Extensions API at once (Lambda starts the function's runtime init only when every extension
// did), then load the rest and run the lifecycle. Kept light: everything else is imported lazily,
// so that it is read while Lambda registers us. Exported as `@clef-sh/shell/lambda`.
import { basename } from 'node:path'
import { exitWhenSettled } from '../exit.ts'
import { createExtensionsClient } from './extensions-api.ts'
import { EXTENSION_EVENTS } from './lifecycle.ts'

// How long the exit after SHUTDOWN waits for file or DNS requests still running in the threadpool.
const EXIT_WAIT_MS = 50

/** True when Lambda started this process (as an extension): AWS_LAMBDA_RUNTIME_API is set. */
export const startedByLambda = (env: NodeJS.ProcessEnv): boolean =>
  (env['AWS_LAMBDA_RUNTIME_API'] ?? '') !== ''

/** `--name <file name>` from the layer's launcher, else the name this program was started as. */
const extensionName = (argv: readonly string[]): string => {
  const at = argv.indexOf('--name')
  return (at === -1 ? undefined : argv[at + 1]) ?? basename(argv[1] ?? 'clef-agent')
}

/**
 * Runs the extension for `process` (argv, env) and exits: 0 after SHUTDOWN, 1 after a reported
 * failure, 1 at once when AWS_LAMBDA_RUNTIME_API is not set.
 */
export const runLambdaExtension = async (): Promise<never> => {
  const runtimeApi = process.env['AWS_LAMBDA_RUNTIME_API']
  if (runtimeApi === undefined || runtimeApi === '') {
    process.stderr.write(
      'clef-agent: AWS_LAMBDA_RUNTIME_API is not set; this program runs as a Lambda extension\n',
    )
    return process.exit(1)
  }
  const client = createExtensionsClient(runtimeApi)
  const registration = client.register(extensionName(process.argv), EXTENSION_EVENTS)
  // Awaited (and reported) by the lifecycle; this only keeps an early failure from being unhandled.
  registration.catch(() => undefined)
  try {
    const { boot } = await import('./boot.ts')
    const code = await boot({ client, registration, env: process.env })
    // The drain already used SHUTDOWN's deadline: a request stuck in the threadpool (a hung mount,
    // getaddrinfo) must not hold the exit past it.
    return await exitWhenSettled(code, { deadlineAt: Date.now() + EXIT_WAIT_MS, signal: 'SIGTERM' })
  } catch {
    return process.exit(1)
  }
}
