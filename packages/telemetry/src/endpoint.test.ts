import { describe, expect, it } from 'vitest'
import { resolveLogsEndpoint } from './endpoint.ts'

describe('resolveLogsEndpoint', () => {
  it('adds /v1/logs to a bare collector URL and keeps any other path', () => {
    expect(resolveLogsEndpoint('http://otel:4318').url.href).toBe('http://otel:4318/v1/logs')
    expect(resolveLogsEndpoint(new URL('https://otel/')).url.href).toBe('https://otel/v1/logs')
    expect(resolveLogsEndpoint('https://otel/ingest/logs?x=1').url.href).toBe('https://otel/ingest/logs?x=1')
  })

  it('moves credentials out of the URL into a Basic authorization', () => {
    const { url, headers } = resolveLogsEndpoint('https://us%40r:p%3Ass@otel:4318')
    expect(url.href).toBe('https://otel:4318/v1/logs')
    expect(headers).toEqual({ authorization: `Basic ${Buffer.from('us@r:p:ss').toString('base64')}` })
  })

  it('refuses what is not an http(s) URL without echoing credentials', () => {
    expect(() => resolveLogsEndpoint('not a url')).toThrow(/is not a URL/)
    let error: unknown
    try {
      resolveLogsEndpoint('ftp://u:hunter2@otel')
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'config_invalid' })
    expect((error as Error).message).not.toContain('hunter2')
  })

  it('refuses a malformed %-escape in the userinfo as config_invalid, not a URIError', () => {
    for (const url of ['http://%zz@otel:4318', 'http://user:hunter2%zz@otel:4318']) {
      let error: unknown
      try {
        resolveLogsEndpoint(url)
      } catch (e) {
        error = e
      }
      expect(error).toMatchObject({
        code: 'config_invalid',
        message: expect.stringMatching(/malformed %-escape/),
      })
      expect((error as Error).message).not.toContain('hunter2')
    }
  })
})
