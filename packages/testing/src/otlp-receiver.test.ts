import { describe, expect, it } from 'vitest'
import { checkExportLogsRequest } from './otlp-json-check.ts'
import { refusingUrl, startOtlpReceiver } from './otlp-receiver.ts'

const record = (extra: Record<string, unknown> = {}) => ({
  timeUnixNano: '1700000000000000000',
  severityNumber: 9,
  severityText: 'INFO',
  body: { stringValue: 'hello' },
  attributes: [
    { key: 'event.name', value: { stringValue: 'clef.agent.started' } },
    { key: 'n', value: { intValue: '3' } },
  ],
  ...extra,
})
const request = (r: unknown = record()) => ({
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'clef-agent' } }] },
      scopeLogs: [{ scope: { name: 's' }, logRecords: [r] }],
    },
  ],
})

const post = (url: string, body: unknown, type = 'application/json') =>
  fetch(`${url}/v1/logs`, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify(body) })

describe('checkExportLogsRequest', () => {
  it('accepts a conforming request', () => {
    expect(checkExportLogsRequest(request())).toEqual([])
  })

  it.each([
    ['time as a number', record({ timeUnixNano: 1700000000000000000 }), /timeUnixNano/],
    ['severity out of range', record({ severityNumber: 25 }), /severityNumber/],
    ['two value kinds', record({ body: { stringValue: 'a', boolValue: true } }), /exactly one/],
    ['unknown field', record({ level: 'info' }), /unknown field/],
    [
      'duplicate attribute',
      record({
        attributes: [
          { key: 'a', value: { boolValue: true } },
          { key: 'a', value: { boolValue: false } },
        ],
      }),
      /duplicate/,
    ],
    ['int as float', record({ attributes: [{ key: 'a', value: { intValue: '1.5' } }] }), /wrong type/],
  ])('reports %s', (_, r, problem) => {
    expect(checkExportLogsRequest(request(r)).join('\n')).toMatch(problem)
  })

  it('reports a missing resourceLogs array', () => {
    expect(checkExportLogsRequest({})).toEqual(['$.resourceLogs: must be an array'])
  })
})

describe('startOtlpReceiver', () => {
  it('keeps conforming exports as flat records and refuses the others with 400', async () => {
    await using rx = await startOtlpReceiver()
    expect((await post(rx.url, request())).status).toBe(200)
    expect((await post(rx.url, { resourceLogs: 1 })).status).toBe(400)
    expect((await post(rx.url, request(), 'text/plain')).status).toBe(400)
    expect(rx.exports.map((e) => e.problems.length === 0)).toEqual([true, false, false])
    expect(rx.records()).toEqual([
      expect.objectContaining({
        eventName: 'clef.agent.started',
        severityNumber: 9,
        body: 'hello',
        attributes: { 'event.name': 'clef.agent.started', n: '3' },
        resource: { 'service.name': 'clef-agent' },
      }),
    ])
  })

  it('answers a chosen status, or nothing at all when black-holed', async () => {
    await using rx = await startOtlpReceiver(503)
    expect((await post(rx.url, request())).status).toBe(503)
    rx.mode = 'blackhole'
    const held = fetch(`${rx.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request()),
      signal: AbortSignal.timeout(100),
    })
    await expect(held).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(rx.exports).toHaveLength(2)
    expect(rx.records()).toEqual([])
  })

  it('refusingUrl refuses connections', async () => {
    await expect(fetch(await refusingUrl())).rejects.toThrow()
  })
})
