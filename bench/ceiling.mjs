// The ceiling: a bare node:http server that does the least the agent must do for
// GET /v1/secrets — the same constant-time token check, then the same bytes and headers.
// Usage: node ceiling.mjs <port> <token> <body-file>
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

const [port, token, bodyFile] = process.argv.slice(2)
const body = readFileSync(bodyFile)
const expected = createHash('sha256').update(`Bearer ${token}`).digest()
const headers = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'content-length': body.length,
}

createServer((req, res) => {
  if (req.url === '/v1/ready') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true}')
    return
  }
  const got = createHash('sha256')
    .update(req.headers.authorization ?? '')
    .digest()
  if (!timingSafeEqual(got, expected)) {
    res.writeHead(401).end()
    return
  }
  res.writeHead(200, headers).end(body)
}).listen(Number(port), '127.0.0.1')
