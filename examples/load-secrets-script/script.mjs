// A one-shot script (a migration, a build step): load the secrets once, use them, exit. Nothing
// keeps running, so the process ends by itself.
import { loadSecrets } from '@clef-sh/agent-core'

const secrets = await loadSecrets({
  source: process.argv[2] ?? '../demo/artifact.json',
  ageKeyFile: process.argv[3] ?? '../demo/demo.agekey',
})
const app = secrets['app'] ?? {}
console.log(`loaded ${Object.keys(app).length} secrets of namespace "app"`)
// e.g. await runMigrations({ url: app.DATABASE_URL })
