import { describe, expect, it } from 'vitest'
import { createLogger } from './logger.ts'

const capture = (level: 'debug' | 'info' | 'warn' | 'error', format: 'json' | 'pretty') => {
  const lines: string[] = []
  const logger = createLogger({
    level,
    format,
    write: (l) => lines.push(l),
    now: () => new Date('2026-01-02T03:04:05.678Z'),
  })
  return { logger, lines }
}

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, msg and fields', () => {
    const { logger, lines } = capture('info', 'json')
    logger.info('artifact loaded', { revision: 'r1', code: undefined })
    expect(lines).toHaveLength(1)
    expect(lines[0]?.endsWith('\n')).toBe(true)
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: '2026-01-02T03:04:05.678Z',
      level: 'info',
      msg: 'artifact loaded',
      revision: 'r1',
    })
  })

  it('drops lines below the level', () => {
    const { logger, lines } = capture('warn', 'json')
    logger.debug('d')
    logger.info('i')
    logger.warn('w')
    logger.error('e')
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['w', 'e'])
  })

  it('has a human format', () => {
    const { logger, lines } = capture('debug', 'pretty')
    logger.warn('fetch failed', { code: 'source_unreachable', attempt: 2, probe: undefined })
    expect(lines[0]).toBe('03:04:05.678 WARN  fetch failed code=source_unreachable attempt=2\n')
  })
})
