// Copied into the installed CommonJS consumer by publish.test.ts: packs a hybrid post-quantum age
// artifact (the case where @clef-sh/decrypt must load the ESM-only age-encryption from CommonJS)
// and loads it with `require('@clef-sh/agent-core')`. Prints the secrets' flat names.
const { createHash, randomBytes } = require('node:crypto')
const { writeFileSync } = require('node:fs')
const { join } = require('node:path')
const { loadSecrets } = require('@clef-sh/agent-core')

const main = async () => {
  const age = await import('age-encryption')
  const identity = await age.generateHybridIdentity()
  const encrypter = new age.Encrypter()
  encrypter.addRecipient(await age.identityToRecipient(identity))
  const ciphertext = Buffer.from(
    await encrypter.encrypt(JSON.stringify({ pq: { KEY: 'pq-value' } })),
  ).toString('base64')
  const now = Date.now()
  const artifact = {
    version: 1,
    identity: 'api',
    environment: 'production',
    packedAt: new Date(now).toISOString(),
    revision: `${now}-${randomBytes(4).toString('hex')}`,
    ciphertextHash: createHash('sha256').update(ciphertext, 'utf8').digest('hex'),
    ciphertext,
  }
  const source = join(__dirname, 'pq-artifact.json')
  writeFileSync(source, JSON.stringify(artifact))
  const secrets = await loadSecrets({ source, ageKey: identity })
  console.log(JSON.stringify({ format: 'cjs-pq', values: secrets }))
}
main()
