// The layer's zip writer (zip.mjs) is deterministic: the same entries give the same bytes in any
// time zone and at any time, and an independent reader (unzip.ts) gets back names, modes and data.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { tempDir } from '@clef-sh/testing'
import { readZip } from './unzip.ts'

const ZIP = fileURLToPath(new URL('../zip.mjs', import.meta.url))

// A separate Node per write: its own clock reading and its own TZ.
const SCRIPT = `
const { writeZip } = await import(process.argv[1])
await writeZip(process.argv[2], [
  { name: 'extensions/', mode: 0o755 },
  { name: 'extensions/clef-agent', data: Buffer.from('#!/bin/sh\\nexec true\\n'), mode: 0o755 },
  { name: 'clef-agent/', mode: 0o755 },
  { name: 'clef-agent/data', data: Buffer.alloc(300_000, 'clef'), mode: 0o644 },
])`

const write = async (out: string, tz: string): Promise<Buffer> => {
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT, ZIP, out], {
    env: { PATH: process.env['PATH'], TZ: tz },
  })
  return readFile(out)
}

describe('the layer zip writer', () => {
  it('writes the same bytes in every time zone, and they read back with their Unix modes', async () => {
    await using dir = await tempDir()
    const utc = await write(dir.file('utc.zip'), 'UTC')
    await new Promise((r) => setTimeout(r, 2100))
    const kiritimati = await write(dir.file('east.zip'), 'Pacific/Kiritimati')
    const honolulu = await write(dir.file('west.zip'), 'Pacific/Honolulu')
    expect(kiritimati.equals(utc)).toBe(true)
    expect(honolulu.equals(utc)).toBe(true)
    const entries = readZip(utc)
    expect(entries.map((e) => [e.name, e.mode])).toEqual([
      ['extensions/', 0o040755],
      ['extensions/clef-agent', 0o100755],
      ['clef-agent/', 0o040755],
      ['clef-agent/data', 0o100644],
    ])
    expect(entries[1]?.data.toString()).toBe('#!/bin/sh\nexec true\n')
    expect(entries[3]?.data.equals(Buffer.alloc(300_000, 'clef'))).toBe(true)
    // Deflated: the repetitive file takes a fraction of its size.
    expect(utc.length).toBeLessThan(20_000)
  })
})
