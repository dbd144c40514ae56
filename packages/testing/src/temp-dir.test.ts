import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { tempDir } from './temp-dir.ts'

describe('tempDir', () => {
  it('removes itself on dispose', async () => {
    let path = ''
    {
      await using dir = await tempDir()
      path = dir.path
      expect(existsSync(path)).toBe(true)
    }
    expect(existsSync(path)).toBe(false)
  })
})
