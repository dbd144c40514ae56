import { describe, expect, it } from 'vitest'
import { parseArgs } from './cli.ts'

describe('parseArgs', () => {
  it.each([
    [[], { kind: 'run', demo: false }],
    [['run'], { kind: 'run', demo: false }],
    [['demo'], { kind: 'run', demo: true }],
    [['--demo'], { kind: 'run', demo: true }],
    [['healthcheck'], { kind: 'healthcheck', live: false }],
    [['healthcheck', '--live'], { kind: 'healthcheck', live: true }],
    [['healthcheck', '--wait', '120'], { kind: 'healthcheck', live: false, waitSeconds: 120 }],
    [['healthcheck', '--live', '--wait=5'], { kind: 'healthcheck', live: true, waitSeconds: 5 }],
    [['--version'], { kind: 'version' }],
    [['-h'], { kind: 'help' }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv)).toEqual(expected)
  })

  it.each([
    [['exec', 'env'], { kind: 'exec', watch: false, prefix: true, allowEnv: [], command: 'env', args: [] }],
    [
      ['exec', '--watch', '--no-prefix', '--', 'node', '-e', 'x'],
      { kind: 'exec', watch: true, prefix: false, allowEnv: [], command: 'node', args: ['-e', 'x'] },
    ],
    [
      ['exec', 'ls', '--watch', '--'],
      { kind: 'exec', watch: false, prefix: true, allowEnv: [], command: 'ls', args: ['--watch', '--'] },
    ],
    [
      ['exec', '--', '--odd'],
      { kind: 'exec', watch: false, prefix: true, allowEnv: [], command: '--odd', args: [] },
    ],
    [
      ['exec', '--allow-env', 'PATH,LD_PRELOAD', '--allow-env=NODE_OPTIONS', 'x'],
      {
        kind: 'exec',
        watch: false,
        prefix: true,
        allowEnv: ['PATH', 'LD_PRELOAD', 'NODE_OPTIONS'],
        command: 'x',
        args: [],
      },
    ],
    [['exec', '--help'], { kind: 'help', topic: 'exec' }],
  ])('%j', (argv, expected) => {
    expect(parseArgs(argv)).toEqual(expected)
  })

  it('refuses exec without a command or with an unknown option', () => {
    expect(parseArgs(['exec'])).toEqual({ kind: 'invalid', message: 'exec needs a command to run' })
    expect(parseArgs(['exec', '--watch', '--'])).toEqual({
      kind: 'invalid',
      message: 'exec needs a command to run',
    })
    expect(parseArgs(['exec', '--wacth', 'ls'])).toEqual({
      kind: 'invalid',
      message: 'unknown exec option "--wacth"',
    })
  })

  it('refuses an unknown healthcheck option and a --wait that is not whole seconds within an hour', () => {
    expect(parseArgs(['healthcheck', '--liv'])).toEqual({
      kind: 'invalid',
      message: 'unknown healthcheck option "--liv"',
    })
    const bad = { kind: 'invalid', message: '--wait needs whole seconds from 1 to 3600' }
    for (const wait of [[], ['0'], ['1.5'], ['-3'], ['3601'], ['soon']])
      expect(parseArgs(['healthcheck', '--wait', ...wait])).toEqual(bad)
  })

  it('refuses --allow-env without variable names', () => {
    expect(parseArgs(['exec', '--allow-env', 'A=B', 'x'])).toMatchObject({ kind: 'invalid' })
    expect(parseArgs(['exec', '--allow-env'])).toMatchObject({ kind: 'invalid' })
  })

  it('names what it does not understand', () => {
    expect(parseArgs(['nope'])).toEqual({ kind: 'invalid', message: 'unknown command "nope"' })
    expect(parseArgs(['run', 'extra'])).toEqual({ kind: 'invalid', message: 'unexpected argument "extra"' })
  })
})
