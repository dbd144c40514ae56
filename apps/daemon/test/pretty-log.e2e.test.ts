// CLEF_AGENT_LOG_FORMAT=pretty writes plain text lines, so any text the agent logs that it did not
// write itself (a source location, a server's message, artifact text) must not be able to start a
// line of its own or send a terminal control sequence.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir, vector } from '@clef-sh/testing'
import { startDaemon, waitLoaded } from './harness.ts'

const basic = vector('age-basic')

describe('pretty logs', () => {
  it('escape control characters in every field, so a source path cannot forge a line', async () => {
    await using dir = await tempDir()
    const forged = '\n00:00:00.000 ERROR forged line\u001b[2K\u2028'
    await using d = await startDaemon({
      CLEF_AGENT_SOURCE: join(dir.path, `missing${forged}.json`),
      CLEF_AGENT_AGE_KEY: basic.ageKey ?? '',
      CLEF_AGENT_LOG_FORMAT: 'pretty',
    })
    await waitLoaded(d)
    const out = d.output()
    // The path was logged (escaped), and no line starts with the forged text.
    expect(out).toContain('missing\\n00:00:00.000 ERROR forged line\\u001b[2K\\u2028.json')
    expect(out.split('\n').filter((l) => l.startsWith('00:00:00.000'))).toEqual([])
    expect(out).not.toContain('\u001b')
    expect(out).not.toContain('\u2028')
  })
})
