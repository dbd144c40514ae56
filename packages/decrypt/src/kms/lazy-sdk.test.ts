// Its own file (its own worker), so that no other test has imported the SDK yet.
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startFakeKms } from '@clef-sh/testing'
import { createKmsResolver } from './kms-resolver.ts'

// The SDK resolves to its CommonJS build, so once imported it sits in the require cache: the test
// looks there rather than asking the adapter, which carries no test hook.
const isAwsSdkLoaded = (): boolean =>
  Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('@aws-sdk/client-kms'))

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
