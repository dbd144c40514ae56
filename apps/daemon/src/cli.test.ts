import { describe, expect, it } from 'vitest'
import { parseArgs } from './cli.ts'

describe('parseArgs', () => {
  it.each([
    [[], { kind: 'run', demo: false }],
    [['run'], { kind: 'run', demo: false }],
    [['demo'], { kind: 'run', demo: true }],
    [['--demo'], { kind: 'run', demo: true }],
    [['healthcheck'], { kind: 'healthcheck' }],
    [['--version'], { kind: 'version' }],
    [['-h'], { kind: 'help' }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv)).toEqual(expected)
  })

  it('names what it does not understand', () => {
    expect(parseArgs(['nope'])).toEqual({ kind: 'invalid', message: 'unknown command "nope"' })
    expect(parseArgs(['run', 'extra'])).toEqual({ kind: 'invalid', message: 'unexpected argument "extra"' })
  })
})
