import { describe, expect, it } from 'vitest'
import { createFakeClock, createPacker, tempDir, writeArtifact } from '@clef-sh/testing'
import { createAgent } from './create-agent.ts'
import { testConfig } from './test-support.ts'

// Its own file: HTTP clients elsewhere keep timers of their own, which would blur the count.
const VALUES = { app: { K: 'v' } }

describe('stop() with the default timers', () => {
  it('with real timers, stop() leaves no timer behind', async () => {
    await using dir = await tempDir()
    const clock = createFakeClock()
    const packer = await createPacker(clock)
    await writeArtifact(dir.path, await packer.pack(VALUES))
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const before = timeouts()
    const config = testConfig({
      source: { kind: 'file', path: dir.file('artifact.json') },
      ageKey: { kind: 'inline', value: packer.identity },
    })
    const agent = createAgent(config)
    await agent.start()
    expect(timeouts()).toBe(before + 1)
    await agent.stop()
    expect(timeouts()).toBe(before)
  })
})
