// An embedded agent in an Express 5 app: configured by the standard CLEF_AGENT_* variables through
// fromEnv(), with listeners for failed refreshes and revocation, stopped after the server closes.
import express from 'express'
import { createAgent, fromEnv } from '@clef-sh/agent-core'

const agent = createAgent(fromEnv(process.env))
// Event payloads carry codes and revisions, never a secret value: safe to log.
agent.on('refresh', (e) => e.changed && console.error(`secrets at revision ${e.revision}`))
agent.on('error', (e) => console.error(`secrets refresh failed: ${e.code}`))
agent.on('revoked', (e) => console.error(`secrets of ${e.revision} withdrawn: ${e.reason}`))
await agent.start()

const app = express()
app.get('/healthz', (req, res) => {
  res.sendStatus(agent.ready ? 200 : 503)
})
// Read per request: a rotated secret is picked up at the next refresh, without a restart.
// Express 5 sends a rejected handler's error to the error middleware below.
app.get('/', async (req, res) => {
  const apiKey = await agent.get('app', 'API_KEY')
  res.json({ apiKey: apiKey === undefined ? 'missing' : 'configured', revision: agent.revision })
})
// Reads reject with an AgentError whose `code` says why (not_loaded, cache_expired, revoked, …).
app.use((err, req, res, next) => {
  res.status(503).json({ code: err.code ?? 'internal' })
})

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: server.address().port }))
})
const shutdown = () => server.close(() => void agent.stop('signal'))
process.once('SIGTERM', shutdown)
process.once('SIGINT', shutdown)
