import { describe, expect, it } from 'vitest'
import { parsePrometheusText } from './prom-parse.ts'

const GOOD = [
  '# HELP req_total Requests, with a \\\\ and a \\n in the help.',
  '# TYPE req_total counter',
  'req_total{route="secrets",status="200"} 12',
  'req_total{route="a\\"b\\\\c\\nd",status="404",} 1 1700000000000',
  '# TYPE up gauge',
  'up 1',
  '# TYPE d histogram',
  'd_bucket{le="0.1"} 1',
  'd_bucket{le="1"} 3',
  'd_bucket{le="+Inf"} 4',
  'd_sum 2.5e0',
  'd_count 4',
  'loose NaN',
  '',
].join('\n')

describe('parsePrometheusText', () => {
  it('reads families, types, help, escaped labels and special values', () => {
    const m = parsePrometheusText(GOOD)
    expect(m.families.get('req_total')).toMatchObject({
      type: 'counter',
      help: 'Requests, with a \\ and a \n in the help.',
    })
    expect(m.value('req_total', { status: '200' })).toBe(12)
    expect(m.value('req_total', { route: 'a"b\\c\nd' })).toBe(1)
    expect(m.value('up')).toBe(1)
    expect(m.families.get('d')?.samples).toHaveLength(5)
    expect(m.value('d_count')).toBe(4)
    expect(m.value('loose')).toBeNaN()
    expect(m.families.get('loose')?.type).toBe('untyped')
    expect(m.value('absent')).toBeUndefined()
    expect(() => m.value('req_total')).toThrow(/2 samples/)
  })

  it.each([
    ['no final newline', 'up 1'],
    ['bad name', '1up 1\n'],
    ['bad value', 'up one\n'],
    ['bad escape', 'up{a="\\t"} 1\n'],
    ['unterminated label', 'up{a="x} 1\n'],
    ['duplicate label', 'up{a="1",a="2"} 1\n'],
    ['duplicate series', 'up{a="1"} 1\nup{a="1"} 2\n'],
    ['TYPE after samples', 'up 1\n# TYPE up gauge\n'],
    ['unknown type', '# TYPE up thing\n'],
    ['non-contiguous family', 'a 1\nb 1\na{x="y"} 1\n'],
    ['histogram without +Inf', '# TYPE d histogram\nd_bucket{le="1"} 1\nd_count 1\n'],
    [
      'histogram not cumulative',
      '# TYPE d histogram\nd_bucket{le="1"} 2\nd_bucket{le="+Inf"} 1\nd_count 1\n',
    ],
    ['histogram count mismatch', '# TYPE d histogram\nd_bucket{le="+Inf"} 2\nd_count 3\n'],
  ])('refuses %s', (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow(/line|newline|histogram|d\[|d\{|\+Inf|cumulative|_count/)
  })
})
