// Entry of the sidecar image: the clef-agent CLI (run, healthcheck for exec probes, exec) with the
// container's defaults. Serving, the probe listener (CLEF_AGENT_PROBE_PORT) and the SIGTERM drain
// are the daemon's; the container only decides where the token is shared.
import { runCli } from 'clef-agent/shell'
import { containerEnv } from './container-env.ts'

runCli(process.argv.slice(2), containerEnv(process.env)).catch((e: unknown) => {
  process.stderr.write(`clef-agent: fatal: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
