// An embedded agent in a plain node:http service: the secrets are read in process, no sidecar and no
// HTTP hop. Configured by the standard CLEF_AGENT_* variables through fromEnv().
import { createServer } from 'node:http'
import { createAgent, fromEnv } from '@clef-sh/agent-core'

const agent = createAgent(fromEnv(process.env))
await agent.start()
if (!agent.ready) console.error('secrets not loaded yet; the agent keeps retrying')
// onRefresh hears every outcome in one listener; agent.on('refresh' | 'error' | 'revoked') splits them.
agent.onRefresh((e) => console.error(e.ok ? `secrets at ${e.revision}` : `refresh failed: ${e.code}`))

const server = createServer(async (req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(agent.ready ? 200 : 503).end()
    return
  }
  try {
    // Read per request: a rotated secret is picked up at the next refresh without a restart.
    const apiKey = await agent.get('app', 'API_KEY')
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ configured: apiKey !== undefined, revision: agent.revision }))
  } catch (e) {
    // e.code is the stable reason (cache_expired, revoked, …); never echo a secret.
    res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: e.code }))
  }
})
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: server.address().port }))
})

const shutdown = () => server.close(() => void agent.stop('signal'))
process.once('SIGTERM', shutdown)
process.once('SIGINT', shutdown)
