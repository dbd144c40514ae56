// A Node.js Lambda function that reads its secrets from the clef-agent extension in its layer: one
// loopback call per invocation with the bearer token, so a rotated secret is picked up without a
// cold start. The extension loads the secrets during INIT; a failure arrives as a stable code.
// Read secrets here in the handler, never in module init code: under SnapStart the extension loads
// nothing before the first invocation (so no plaintext is in the snapshot) and answers such an
// early request 503 `snapstart_init`.
import { readFile } from 'node:fs/promises'

const AGENT = `http://127.0.0.1:${process.env.CLEF_AGENT_PORT ?? '7779'}`

// The token: CLEF_AGENT_TOKEN when set, else the file the extension wrote (/tmp is shared).
let token
const bearer = async () =>
  (token ??=
    process.env.CLEF_AGENT_TOKEN ??
    (await readFile(process.env.CLEF_AGENT_TOKEN_FILE ?? '/tmp/clef-agent/token', 'utf8')).trim())

/** One secret by flat name `namespace__KEY`; throws an Error carrying the agent's code otherwise. */
const secret = async (name) => {
  const res = await fetch(`${AGENT}/v1/secrets/${encodeURIComponent(name)}`, {
    headers: { authorization: `Bearer ${await bearer()}` },
  })
  const body = await res.json()
  if (!res.ok) throw Object.assign(new Error(`clef-agent: ${body.code}`), { code: body.code })
  return body.value
}

export const handler = async () => {
  try {
    const apiKey = await secret('app__API_KEY')
    // … call the API with apiKey. Never log or return the value itself.
    return { statusCode: 200, body: JSON.stringify({ apiKey: apiKey === '' ? 'empty' : 'configured' }) }
  } catch (e) {
    // e.code: not_loaded, cache_expired, revoked, key_not_found, snapstart_init, …
    return { statusCode: 503, body: JSON.stringify({ code: e.code ?? 'internal' }) }
  }
}
