// Composition root of the Lambda extension: register with the Extensions API at once (Lambda
// starts the function's runtime init only when every extension did), then load the rest and run
// the lifecycle. Exits 0 after SHUTDOWN, 1 after a reported failure.
import { basename } from 'node:path'
import { createExtensionsClient } from './extensions-api.ts'
import { EXTENSION_EVENTS } from './lifecycle.ts'

/** `--name <file name>` from the layer's launcher, else the name this program was started as. */
const extensionName = (argv: readonly string[]): string => {
  const at = argv.indexOf('--name')
  return (at === -1 ? undefined : argv[at + 1]) ?? basename(argv[1] ?? 'clef-agent')
}

const runtimeApi = process.env['AWS_LAMBDA_RUNTIME_API']
if (runtimeApi === undefined || runtimeApi === '') {
  process.stderr.write(
    'clef-agent: AWS_LAMBDA_RUNTIME_API is not set; this program runs as a Lambda extension\n',
  )
  process.exit(1)
}
const client = createExtensionsClient(runtimeApi)
const registration = client.register(extensionName(process.argv), EXTENSION_EVENTS)
// Awaited (and reported) by the lifecycle; this only keeps an early failure from being unhandled.
registration.catch(() => undefined)

import('./boot.ts')
  .then(({ boot }) => boot({ client, registration, env: process.env }))
  .then(
    (code) => process.exit(code),
    () => process.exit(1),
  )
