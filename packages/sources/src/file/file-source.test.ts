import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { ErrorCode, isAgentError } from '@clef-sh/errors'
import { tempDir, vector, vectorPath, vectorText } from '@clef-sh/testing'
import { describe, expect, it } from 'vitest'
import { runSourceContract } from '../testing/source-contract.ts'
import { fileErrorToSourceError } from './file-errors.ts'
import { FileSource } from './file-source.ts'
import { failure } from '../testing/source-failure.ts'

const fetchOnce = (source: FileSource, etag?: string) =>
  source.fetch({ signal: new AbortController().signal, etag })

runSourceContract('file', async () => {
  const dir = await tempDir()
  const path = dir.file('artifact.json')
  return {
    source: new FileSource({ path }),
    publish: (text) => writeFile(path, text),
    remove: () => rm(path),
    [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose](),
  }
})

describe('FileSource', () => {
  it('reads a packed vector byte for byte, with the sha256 of the bytes as etag', async () => {
    const v = vector('age-basic')
    const source = new FileSource({ path: vectorPath(v) })
    const r = await fetchOnce(source)
    const text = vectorText(v)
    expect(r).toEqual({ changed: true, body: text, etag: createHash('sha256').update(text).digest('hex') })
    expect(await fetchOnce(source, r.etag)).toEqual({ changed: false, etag: r.etag })
  })

  it('reads to the end a regular file whose stat reports no size (as /proc files do)', async () => {
    const r = await fetchOnce(new FileSource({ path: '/proc/self/status' }))
    expect(r.changed && r.body.startsWith('Name:')).toBe(true)
  })

  it('maps a missing file to source_not_found with the packing hint', async () => {
    await using dir = await tempDir()
    const source = new FileSource({ path: dir.file('missing.json') })
    const e = await failure(fetchOnce(source))
    expect(e).toMatchObject({ code: ErrorCode.SourceNotFound, transient: false, source: source.describe() })
    expect(e.hint).toBe('has the artifact been packed? check CLEF_AGENT_SOURCE')
    expect(e.message).toBe(`[READ] "${dir.file('missing.json')}": no such file (ENOENT)`)
  })

  it('rejects a file over the size cap before reading it, and accepts one exactly at the cap', async () => {
    await using dir = await tempDir()
    const path = dir.file('a.json')
    await writeFile(path, 'x'.repeat(11))
    const e = await failure(fetchOnce(new FileSource({ path, maxBytes: 10 })))
    expect(e).toMatchObject({ code: ErrorCode.SourceTooLarge, transient: false })
    expect(e.message).toContain('11 bytes exceed the 10-byte cap')
    expect(await fetchOnce(new FileSource({ path, maxBytes: 11 }))).toMatchObject({ changed: true })
  })

  it('rejects a directory and bytes that are not UTF-8 as source_invalid_response', async () => {
    await using dir = await tempDir()
    await mkdir(dir.file('sub'))
    const notFile = await failure(fetchOnce(new FileSource({ path: dir.file('sub') })))
    expect(notFile.code).toBe(ErrorCode.SourceInvalidResponse)
    expect(notFile.message).toContain('not a regular file')
    await writeFile(dir.file('bad.json'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))
    const bad = await failure(fetchOnce(new FileSource({ path: dir.file('bad.json') })))
    expect(bad.code).toBe(ErrorCode.SourceInvalidResponse)
    expect(bad.message).toContain('not valid UTF-8')
  })

  it('refuses a FIFO at once instead of waiting for a writer, and reads the file that replaces it', async () => {
    await using dir = await tempDir()
    const path = dir.file('artifact.json')
    execFileSync('mkfifo', [path])
    const source = new FileSource({ path, timeoutMs: 5_000 })
    const started = performance.now()
    const e = await failure(fetchOnce(source))
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(e).toMatchObject({ code: ErrorCode.SourceInvalidResponse, transient: false })
    expect(e.message).toBe(`[READ] "${path}": not a regular file`)
    await rm(path)
    await writeFile(path, '{"back":true}')
    expect(await fetchOnce(source)).toMatchObject({ changed: true, body: '{"back":true}' })
  })

  it('maps a path under a regular file (ENOTDIR) to source_not_found', async () => {
    await using dir = await tempDir()
    await writeFile(dir.file('plain'), 'x')
    const e = await failure(fetchOnce(new FileSource({ path: dir.file('plain/artifact.json') })))
    expect(e.code).toBe(ErrorCode.SourceNotFound)
  })
})

// Permission errors cannot be produced on the wire when tests run as root, so the errno table
// is checked on errors shaped exactly like node:fs's.
describe('fileErrorToSourceError', () => {
  const errno = (code: string) =>
    Object.assign(new Error(`${code}: open '/x'`), { code, errno: -1, syscall: 'open' })

  it.each([
    ['ENOENT', ErrorCode.SourceNotFound, false],
    ['ENOTDIR', ErrorCode.SourceNotFound, false],
    ['EACCES', ErrorCode.SourceAuth, false],
    ['EPERM', ErrorCode.SourceAuth, false],
    ['EIO', ErrorCode.SourceUnreachable, true],
    ['EMFILE', ErrorCode.SourceUnreachable, true],
  ] as const)('%s → %s (transient %s)', (code, expected, transient) => {
    const cause = errno(code)
    const e = fileErrorToSourceError(cause, '/etc/clef/a.json')
    expect(isAgentError(e)).toBe(true)
    expect(e).toMatchObject({ code: expected, transient, source: 'file:/etc/clef/a.json', cause })
    expect(e.message).toMatch(new RegExp(`^\\[READ\\] "/etc/clef/a\\.json": [a-z ]+ \\(${code}\\)$`))
  })

  it('gives permission errors a permissions hint', () => {
    expect(fileErrorToSourceError(errno('EACCES'), '/a').hint).toMatch(/read the file/)
  })
})
