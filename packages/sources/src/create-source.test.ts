import { writeFile } from 'node:fs/promises'
import { ErrorCode } from '@clef-sh/errors'
import { startHttpOrigin, tempDir } from '@clef-sh/testing'
import { describe, expect, it } from 'vitest'
import { createSource, type SourceConfig } from './create-source.ts'

const live = () => new AbortController().signal

describe('createSource', () => {
  it('builds a file source that honours the default size cap', async () => {
    await using dir = await tempDir()
    await writeFile(dir.file('a.json'), '0123456789')
    const source = createSource({ kind: 'file', path: dir.file('a.json') }, { maxBytes: 9 })
    expect(source.kind).toBe('file')
    expect(source.describe()).toBe(`file:${dir.file('a.json')}`)
    await expect(source.fetch({ signal: live() })).rejects.toMatchObject({ code: ErrorCode.SourceTooLarge })
    const roomy = createSource({ kind: 'file', path: dir.file('a.json') })
    await expect(roomy.fetch({ signal: live() })).resolves.toMatchObject({ body: '0123456789' })
  })

  it('builds an http source with its headers and the shared fetch, timeout and cap', async () => {
    await using origin = await startHttpOrigin({ body: 'x'.repeat(100) })
    let calls = 0
    const counting: typeof fetch = (input, init) => {
      calls++
      return fetch(input, init)
    }
    const config: SourceConfig = { kind: 'http', url: origin.url, headers: { 'x-tenant': 't1' } }
    const source = createSource(config, { fetch: counting, maxBytes: 100 })
    expect(source.kind).toBe('http')
    await expect(source.fetch({ signal: live() })).resolves.toMatchObject({ changed: true })
    expect(origin.lastRequestHeaders?.['x-tenant']).toBe('t1')
    expect(calls).toBe(1)
    const small = createSource(config, { maxBytes: 99 })
    await expect(small.fetch({ signal: live() })).rejects.toMatchObject({ code: ErrorCode.SourceTooLarge })
    origin.delayMs = 5_000
    const hasty = createSource(config, { timeoutMs: 30 })
    await expect(hasty.fetch({ signal: live() })).rejects.toThrow(/timed out after 30 ms/)
  })

  it('refuses an unknown kind and a non-http URL as config_invalid', () => {
    const thrown = (config: SourceConfig): unknown => {
      try {
        return createSource(config)
      } catch (e) {
        return e
      }
    }
    const unknown = { kind: 'carrier-pigeon' } as unknown as SourceConfig
    expect(thrown(unknown)).toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: 'unknown source kind "carrier-pigeon"',
    })
    expect(thrown({ kind: 'http', url: 'file:///etc/passwd' })).toMatchObject({
      code: ErrorCode.ConfigInvalid,
    })
  })
})
