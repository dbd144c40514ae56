// An embedded agent in a Hono app: one agent per process, typed options instead of env, the agent
// stopped by an AbortSignal when the process is told to stop.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createAgent } from '@clef-sh/agent-core'

const shutdown = new AbortController()
const agent = createAgent({
  source: process.env.ARTIFACT ?? '../demo/artifact.json',
  ageKeyFile: process.env.AGE_KEY_FILE ?? '../demo/demo.agekey',
  cacheTtl: 300,
  signal: shutdown.signal,
})
await agent.start()

const app = new Hono()
app.get('/healthz', (c) => c.body(null, agent.ready ? 200 : 503))
// Read per request: a rotated secret is picked up at the next refresh, without a restart.
app.get('/', async (c) => {
  const databaseUrl = await agent.get('app', 'DATABASE_URL')
  return c.json({
    database: databaseUrl === undefined ? 'missing' : 'configured',
    revision: agent.revision,
  })
})
// Reads reject with an AgentError whose `code` says why (not_loaded, cache_expired, revoked, …).
app.onError((e, c) => c.json({ code: e.code ?? 'internal' }, 503))

const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' },
  (info) => {
    console.log(JSON.stringify({ listening: info.port }))
  },
)
process.once('SIGTERM', () => {
  shutdown.abort()
  server.close()
})
