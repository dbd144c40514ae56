// Its own file: the lazy-load flag must not have been set by another test of the same module graph.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startFakeKms } from '@clef-sh/testing'
import { isAwsSdkLoaded } from './aws-kms-unwrapper.ts'
import { createKmsResolver } from './kms-resolver.ts'

const SRC = fileURLToPath(new URL('..', import.meta.url))

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(path)
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : []
  })

describe('the AWS SDK is loaded lazily', () => {
  it('is not imported by creating a resolver or refusing a provider, only by the first aws envelope', async () => {
    const resolver = createKmsResolver()
    await resolver('gcp').catch(() => undefined)
    expect(isAwsSdkLoaded()).toBe(false)
    await using fake = await startFakeKms()
    await createKmsResolver({ aws: { client: fake.clientConfig } })('aws')
    expect(isAwsSdkLoaded()).toBe(true)
  })

  it('has no static value import of an @aws-sdk package in the library code', () => {
    const files = sourceFiles(SRC)
    expect(files.length).toBeGreaterThan(5)
    const offenders = files.filter((f) =>
      /^import (?!type )[^\n]*from '@aws-sdk\//m.test(readFileSync(f, 'utf8')),
    )
    expect(offenders).toEqual([])
  })
})
