import { describe, expect, it } from 'vitest'
import {
  AgentError,
  decodePercent,
  ErrorCode,
  isAgentError,
  isErrorCode,
  redactUrl,
  toAgentError,
} from './index.ts'

describe('AgentError', () => {
  it('carries code, transient flag and hint', () => {
    const e = new AgentError(ErrorCode.SourceUnreachable, 'down', { transient: true, hint: 'retry' })
    expect(e.code).toBe('source_unreachable')
    expect(e.transient).toBe(true)
    expect(e.hint).toBe('retry')
    expect(e).toBeInstanceOf(Error)
  })

  it('defaults to permanent', () => {
    expect(new AgentError(ErrorCode.Integrity, 'x').transient).toBe(false)
  })

  it('is recognised structurally, across package copies', () => {
    expect(isAgentError({ code: 'integrity', message: 'm' })).toBe(true)
    expect(isAgentError({ code: 'nope', message: 'm' })).toBe(false)
    expect(isAgentError(new Error('x'))).toBe(false)
    expect(isAgentError(null)).toBe(false)
  })

  it('wraps foreign errors without losing the cause', () => {
    const cause = new TypeError('boom')
    const e = toAgentError(cause, ErrorCode.Decrypt)
    expect(e.code).toBe('decrypt')
    expect(e.message).toBe('boom')
    expect(e.cause).toBe(cause)
    const same = new AgentError(ErrorCode.Rollback, 'r')
    expect(toAgentError(same, ErrorCode.Internal)).toBe(same)
  })

  it('knows its codes', () => {
    expect(isErrorCode('cache_expired')).toBe(true)
    expect(isErrorCode('CACHE_EXPIRED')).toBe(false)
  })
})

describe('decodePercent', () => {
  it('decodes escapes and answers undefined for a malformed one instead of throwing', () => {
    expect(decodePercent('us%40r%3Ap%C3%A9')).toBe('us@r:pé')
    expect(decodePercent('plain')).toBe('plain')
    for (const bad of ['%zz', '%', 'a%2', '%C3%28']) expect(decodePercent(bad)).toBeUndefined()
  })
})

describe('redactUrl', () => {
  it('hides userinfo and credential query parameters', () => {
    const out = redactUrl('https://user:hunter2@example.com/a.json?token=abc&X-Amz-Signature=def&v=1')
    expect(out).not.toContain('hunter2')
    expect(out).not.toContain('abc')
    expect(out).not.toContain('def')
    // Issue 13 §4: no query value at all, names at most (v=1 used to be kept).
    expect(out).toBe('https://***@example.com/a.json?token=***&X-Amz-Signature=***&v=***')
    expect(out).toContain('example.com/a.json')
  })

  it('keeps only the names of a signed URL, whatever they are called, and drops the fragment', () => {
    const signed =
      'https://storage.example/a.json?X-Goog-Signature=sig1&X-Goog-Credential=cred%2F2&access_token=tok3&bare4#frag5'
    expect(redactUrl(signed)).toBe(
      'https://storage.example/a.json?X-Goog-Signature=***&X-Goog-Credential=***&access_token=***&***#***',
    )
  })

  it('redacts text that only looks like a URL by position', () => {
    expect(redactUrl('http//u:pw1@example.com/a.json?sig=s2&k#f3')).toBe(
      'http//***@example.com/a.json?sig=***&***#***',
    )
    expect(redactUrl('s3:/bucket/key?X-Amz-Credential=c4')).toBe('s3:/bucket/key?X-Amz-Credential=***')
  })

  it('leaves non-URLs alone', () => {
    expect(redactUrl('/etc/clef/artifact.json')).toBe('/etc/clef/artifact.json')
  })
})
