// Entry of the sidecar image: the clef-agent CLI (run, healthcheck for exec probes, exec) with the
// container's defaults. Serving, the probe listener (CLEF_AGENT_PROBE_PORT) and the SIGTERM drain
// are the shared shell's; the container only decides where the token is shared.
import pkg from '../package.json' with { type: 'json' }
import { fatal, logFormatOf, runCli } from '@clef-sh/shell'
import { containerEnv } from './container-env.ts'

const env = containerEnv(process.env)

runCli(process.argv.slice(2), env, { version: pkg.version }).catch((e: unknown) => fatal(logFormatOf(env), e))
