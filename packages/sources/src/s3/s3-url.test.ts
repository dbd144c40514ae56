import { ErrorCode } from '@clef-sh/errors'
import { describe, expect, it } from 'vitest'
import { impliesPathStyle, parseS3Url } from './s3-url.ts'

const thrown = (url: string): unknown => {
  try {
    return parseS3Url(url)
  } catch (e) {
    return e
  }
}

describe('parseS3Url', () => {
  it.each([
    ['s3://artifacts/app.json', { bucket: 'artifacts', key: 'app.json' }],
    [
      's3://my.bucket-1/.clef/packed/api/prod.age.json',
      { bucket: 'my.bucket-1', key: '.clef/packed/api/prod.age.json' },
    ],
    ['s3://artifacts/dir/a%20b%2Bc%3F.json', { bucket: 'artifacts', key: 'dir/a b+c?.json' }],
    ['s3://artifacts/caf%C3%A9/x.json', { bucket: 'artifacts', key: 'café/x.json' }],
    ['https://artifacts.s3.amazonaws.com/k/x.json', { bucket: 'artifacts', key: 'k/x.json' }],
    ['https://my.bucket.s3.amazonaws.com/x.json', { bucket: 'my.bucket', key: 'x.json' }],
    [
      'https://artifacts.s3.us-west-2.amazonaws.com/k/x.json',
      { bucket: 'artifacts', key: 'k/x.json', region: 'us-west-2' },
    ],
    [
      'https://artifacts.s3-us-west-2.amazonaws.com/k/x.json',
      { bucket: 'artifacts', key: 'k/x.json', region: 'us-west-2' },
    ],
    [
      'https://artifacts.s3.us-gov-west-1.amazonaws.com/x.json',
      { bucket: 'artifacts', key: 'x.json', region: 'us-gov-west-1' },
    ],
    [
      'https://artifacts.s3.cn-north-1.amazonaws.com.cn/x.json',
      { bucket: 'artifacts', key: 'x.json', region: 'cn-north-1' },
    ],
    [
      'https://s3.us-west-2.amazonaws.com/artifacts/k/x.json',
      { bucket: 'artifacts', key: 'k/x.json', region: 'us-west-2' },
    ],
    [
      'https://s3-eu-central-1.amazonaws.com/artifacts/x.json',
      { bucket: 'artifacts', key: 'x.json', region: 'eu-central-1' },
    ],
    ['https://s3.amazonaws.com/artifacts/k/a%20b.json', { bucket: 'artifacts', key: 'k/a b.json' }],
    ['HTTPS://ARTIFACTS.S3.AMAZONAWS.COM/Key.json', { bucket: 'artifacts', key: 'Key.json' }],
  ])('%s', (url, expected) => {
    expect(parseS3Url(url)).toEqual(expected)
  })

  it.each([
    ['not a url', 'not a valid URL'],
    ['s3://', 'not a valid bucket name'],
    ['s3://artifacts', 'names a bucket or a prefix'],
    ['s3://artifacts/', 'names a bucket or a prefix'],
    ['s3://artifacts/dir/', 'names a bucket or a prefix'],
    ['s3://Upper_Case/x.json', 'not a valid bucket name'],
    ['s3://artifacts/bad%E0%A4%A.json', 'not valid percent-encoding'],
    ['https://s3.amazonaws.com/artifacts', 'names a bucket or a prefix'],
    ['https://s3.us-west-2.amazonaws.com/', 'names a bucket or a prefix'],
    ['http://artifacts.s3.amazonaws.com/x.json', 'unsupported scheme "http:"'],
    ['ftp://artifacts/x.json', 'unsupported scheme "ftp:"'],
    ['https://example.com/artifacts/x.json', 'not an S3 URL'],
    ['https://artifacts.s3.amazonaws.com.evil.example/x.json', 'not an S3 URL'],
    ['https://artifacts.s3.amazonaws.com:8443/x.json', 'not an S3 URL'],
    ['https://artifacts.s3-website-us-east-1.amazonaws.com/x.json', 'no known S3 region'],
    ['https://artifacts.s3-accelerate.amazonaws.com/x.json', 'no known S3 region'],
  ])('rejects %s: %s', (url, why) => {
    const e = thrown(url)
    expect(e).toMatchObject({ code: ErrorCode.ConfigInvalid, transient: false })
    expect((e as Error).message).toContain(why)
  })

  it.each([
    's3://artifacts/x.json?versionId=SECRETVERSION',
    'https://artifacts.s3.amazonaws.com/x.json?X-Amz-Signature=SECRETSIG&X-Amz-Credential=AKID',
    's3://artifacts/x.json#SECRETFRAG',
    's3://user:SECRETPASS@artifacts/x.json',
  ])('rejects %s without echoing it', (url) => {
    const e = thrown(url) as Error & { hint?: string }
    expect(e).toMatchObject({ code: ErrorCode.ConfigInvalid })
    expect(`${e.message} ${e.hint}`).not.toMatch(/SECRET|artifacts|AKID/)
    expect(e.hint).toMatch(/s3:\/\/bucket\/key/)
  })
})

describe('impliesPathStyle', () => {
  it.each([
    ['http://127.0.0.1:9000', true],
    ['http://10.0.0.12', true],
    ['https://[::1]:9000', true],
    ['http://[fd00::1]/', true],
    ['http://localhost:4566', true],
    ['http://minio.localhost:9000', true],
    ['https://s3.us-west-2.amazonaws.com', false],
    ['https://minio.internal.example:9000', false],
    ['https://127.0.0.1.nip.io', false],
    ['http://localhost.example.com', false],
    ['not a url', false],
    ['', false],
  ])('%j → %s', (endpoint, expected) => {
    expect(impliesPathStyle(endpoint)).toBe(expected)
  })
})
