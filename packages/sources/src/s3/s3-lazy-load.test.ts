// Runs in its own file (own process) so that no other test has imported the SDK yet.
import { createRequire } from 'node:module'
import { startFakeS3 } from '@clef-sh/testing'
import { expect, it } from 'vitest'
import { createSource, S3Source } from '../index.ts'

// The SDK resolves to its CommonJS build, so once imported it sits in the require cache.
const sdkLoaded = (): boolean =>
  Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('@aws-sdk/client-s3'))

it('imports @aws-sdk/client-s3 on the first fetch, not when the package or a source is loaded', async () => {
  await using s3 = await startFakeS3({ objects: { 'artifacts/app.json': '{}' } })
  createSource({ kind: 's3', bucket: 'artifacts', key: 'app.json' })
  const source = new S3Source({ bucket: 'artifacts', key: 'app.json', client: s3.clientConfig })
  expect(sdkLoaded()).toBe(false)
  await source.fetch({ signal: new AbortController().signal })
  expect(sdkLoaded()).toBe(true)
})
