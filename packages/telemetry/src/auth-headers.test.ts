import { describe, expect, it } from 'vitest'
import { parseHeaderList, telemetryAuthHeaders } from './auth-headers.ts'

describe('parseHeaderList', () => {
  it('parses k=v pairs, trimming and lower-casing names, percent-decoding values', () => {
    expect(parseHeaderList(' X-Api-Key = abc==, dd-tenant=a%2Cb ,,')).toEqual({
      headers: { 'x-api-key': 'abc==', 'dd-tenant': 'a,b' },
      refused: [],
    })
  })

  it('keeps a value whose % is not an escape', () => {
    expect(parseHeaderList('k=100%').headers).toEqual({ k: '100%' })
  })

  it('refuses bad names, reserved names, missing values and control characters, naming no value', () => {
    const { headers, refused } = parseHeaderList(
      'bad name=v1,content-type=text/plain,novalue,x=ok%0D%0Ainjected,host=h',
    )
    expect(headers).toEqual({})
    expect(refused).toEqual(['(invalid name)', 'content-type', 'novalue', 'x', 'host'])
    expect(refused.join()).not.toMatch(/v1|injected|text\/plain/)
  })
})

describe('telemetryAuthHeaders', () => {
  it('turns the token into a bearer authorization', () => {
    expect(telemetryAuthHeaders({ token: ' t0k ' }).headers).toEqual({ authorization: 'Bearer t0k' })
  })

  it('merges the list and the token; an authorization in the list wins', () => {
    expect(telemetryAuthHeaders({ headers: 'x-org=1', token: 't' }).headers).toEqual({
      'x-org': '1',
      authorization: 'Bearer t',
    })
    expect(telemetryAuthHeaders({ headers: 'Authorization=Basic abc', token: 't' }).headers).toEqual({
      authorization: 'Basic abc',
    })
  })

  it('sends nothing without secrets, and refuses a token with a line break', () => {
    expect(telemetryAuthHeaders({})).toEqual({ headers: {}, refused: [] })
    expect(telemetryAuthHeaders({ token: 'a\nb' })).toEqual({ headers: {}, refused: ['authorization'] })
  })
})
