// A plain ESM consumer of the published @clef-sh/agent-core: loads the demo artifact once and
// prints the secret names (never the values). Usage: node index.mjs <artifact.json> <key file>
import { loadSecrets } from '@clef-sh/agent-core'

const [source, ageKeyFile] = process.argv.slice(2)
const secrets = await loadSecrets({ source, ageKeyFile })
const names = Object.entries(secrets).flatMap(([ns, keys]) => Object.keys(keys).map((k) => `${ns}__${k}`))
console.log(JSON.stringify({ format: 'esm', names }))
