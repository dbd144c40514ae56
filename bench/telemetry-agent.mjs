// The agent as bench/telemetry.mjs runs it: createAgent + serveApi wired the way the daemon wires
// them, plus the request-metrics hook (BENCH_NO_HOOK=1 leaves it out, to measure the hook itself).
// Run from the workspace sources with tsx by telemetry.mjs, so it measures this checkout.
import { createAgent, parseConfig } from '../packages/agent-core/src/index.ts'
import { createAgentReader, serveApi } from '../packages/http-api/src/index.ts'

const hook = process.env.BENCH_NO_HOOK !== '1'
delete process.env.BENCH_NO_HOOK
const parsed = parseConfig(process.env, { tmpdir: '/tmp', uid: process.getuid?.() ?? 'user' })
if (!parsed.ok) {
  for (const issue of parsed.issues) process.stderr.write(`${issue.variable}: ${issue.message}\n`)
  process.exit(1)
}
const main = async () => {
  const { config } = parsed
  const agent = createAgent(config)
  const api = await serveApi(createAgentReader(agent.serving), {
    token: config.token ?? '',
    port: config.port,
    ...(hook ? { onRequest: agent.serving.recordRequest } : {}),
  })
  process.on('SIGTERM', () => {
    void Promise.allSettled([agent.stop('SIGTERM'), api.close()]).then(() => process.exit(0))
  })
  await agent.start()
}
main().catch((e) => {
  process.stderr.write(`bench agent: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
