// A plain CommonJS consumer of the published @clef-sh/agent-core: `require` works although
// age-encryption is ESM-only (it is loaded with a dynamic import when a file needs it).
// Usage: node index.cjs <artifact.json> <key file>
const { loadSecrets } = require('@clef-sh/agent-core')

const [source, ageKeyFile] = process.argv.slice(2)
loadSecrets({ source, ageKeyFile }).then((secrets) => {
  const names = Object.entries(secrets).flatMap(([ns, keys]) => Object.keys(keys).map((k) => `${ns}__${k}`))
  console.log(JSON.stringify({ format: 'cjs', names }))
})
