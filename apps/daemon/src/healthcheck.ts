// `clef-agent healthcheck`: an exec probe for images without curl. Asks the local agent's
// /v1/ready and turns the answer into an exit code.
import { request } from 'node:http'

/** Resolves true when GET /v1/ready on 127.0.0.1:`port` answers 200 within `timeoutMs`. */
export const checkReady = (port: number, timeoutMs = 2000): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/ready', timeout: timeoutMs }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => {
      req.destroy()
    })
    req.on('error', () => {
      resolve(false)
    })
    req.end()
  })
