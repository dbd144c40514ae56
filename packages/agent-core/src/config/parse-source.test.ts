import { describe, expect, it } from 'vitest'
import type { SourceConfig } from '@clef-sh/sources'
import { parseConfig } from './parse-config.ts'
import type { ConfigIssue } from './types.ts'

type Env = Record<string, string | undefined>
const OPTS = { tmpdir: '/tmp', uid: 1000, randomUUID: () => 'id' }
const VCS_TOKEN = 'ghp_Sup3rSecretVcsToken'
const VCS: Env = {
  CLEF_AGENT_VCS_PROVIDER: 'github',
  CLEF_AGENT_VCS_REPO: 'acme/clef-secrets',
  CLEF_AGENT_VCS_TOKEN: VCS_TOKEN,
  CLEF_AGENT_VCS_IDENTITY: 'api',
  CLEF_AGENT_VCS_ENVIRONMENT: 'production',
}
const VCS_CONFIG = {
  repo: 'acme/clef-secrets',
  token: VCS_TOKEN,
  identity: 'api',
  environment: 'production',
}

const sourceOf = (env: Env): SourceConfig => {
  const result = parseConfig(env, OPTS)
  if (!result.ok) throw new Error(`unexpected issues: ${JSON.stringify(result.issues)}`)
  return result.config.source
}

const issuesOf = (env: Env): ConfigIssue[] => {
  const result = parseConfig(env, OPTS)
  if (result.ok) throw new Error('expected issues')
  return result.issues
}

describe('parseConfig: S3 sources', () => {
  const cases: [string, Env, SourceConfig][] = [
    [
      's3:// URL',
      { CLEF_AGENT_SOURCE: 's3://my-bucket/clef/api.json' },
      { kind: 's3', bucket: 'my-bucket', key: 'clef/api.json' },
    ],
    [
      'virtual-hosted regional URL',
      { CLEF_AGENT_SOURCE: 'https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b.json' },
      { kind: 's3', bucket: 'my-bucket', key: 'a b.json', region: 'eu-west-1' },
    ],
    [
      'path-style URL',
      { CLEF_AGENT_SOURCE: 'https://s3.us-east-2.amazonaws.com/my-bucket/a.json' },
      { kind: 's3', bucket: 'my-bucket', key: 'a.json', region: 'us-east-2' },
    ],
    [
      'localhost endpoint implies path-style',
      { CLEF_AGENT_SOURCE: 's3://my-bucket/a.json', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' },
      {
        kind: 's3',
        bucket: 'my-bucket',
        key: 'a.json',
        endpoint: 'http://127.0.0.1:9000',
        forcePathStyle: true,
      },
    ],
    [
      'named endpoint stays virtual-hosted',
      { CLEF_AGENT_SOURCE: 's3://my-bucket/a.json', AWS_ENDPOINT_URL_S3: 'https://s3.example.net' },
      {
        kind: 's3',
        bucket: 'my-bucket',
        key: 'a.json',
        endpoint: 'https://s3.example.net',
        forcePathStyle: false,
      },
    ],
    [
      'a localhost generic AWS_ENDPOINT_URL implies path-style; the SDK finds the endpoint itself',
      { CLEF_AGENT_SOURCE: 's3://my-bucket/a.json', AWS_ENDPOINT_URL: 'http://localhost:4566' },
      { kind: 's3', bucket: 'my-bucket', key: 'a.json', forcePathStyle: true },
    ],
    [
      'a named generic AWS_ENDPOINT_URL changes nothing',
      { CLEF_AGENT_SOURCE: 's3://my-bucket/a.json', AWS_ENDPOINT_URL: 'https://aws.example.net' },
      { kind: 's3', bucket: 'my-bucket', key: 'a.json' },
    ],
    [
      'AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL',
      {
        CLEF_AGENT_SOURCE: 's3://my-bucket/a.json',
        AWS_ENDPOINT_URL_S3: 'https://s3.example.net',
        AWS_ENDPOINT_URL: 'http://localhost:4566',
      },
      {
        kind: 's3',
        bucket: 'my-bucket',
        key: 'a.json',
        endpoint: 'https://s3.example.net',
        forcePathStyle: false,
      },
    ],
    [
      'a presigned S3 URL is a plain HTTP source',
      { CLEF_AGENT_SOURCE: 'https://my-bucket.s3.amazonaws.com/a.json?X-Amz-Signature=abc' },
      { kind: 'http', url: 'https://my-bucket.s3.amazonaws.com/a.json?X-Amz-Signature=abc' },
    ],
    [
      'another amazonaws.com host is a plain HTTP source',
      { CLEF_AGENT_SOURCE: 'https://abc.execute-api.us-east-1.amazonaws.com/a.json' },
      { kind: 'http', url: 'https://abc.execute-api.us-east-1.amazonaws.com/a.json' },
    ],
    [
      'AWS_ENDPOINT_URL_S3 is ignored for other sources',
      { CLEF_AGENT_SOURCE: '/a.json', AWS_ENDPOINT_URL_S3: 'not a url' },
      { kind: 'file', path: '/a.json' },
    ],
  ]
  it.each(cases)('%s', (_name, env, expected) => {
    // toEqual: no endpoint key at all when AWS_ENDPOINT_URL_S3 is unset, so the SDK's chain applies.
    expect(sourceOf(env)).toEqual(expected)
  })
})

describe('parseConfig: VCS sources', () => {
  const cases: [string, Env, SourceConfig][] = [
    ['GitHub, defaults', VCS, { kind: 'github', ...VCS_CONFIG }],
    [
      'GitLab with ref and instance URL',
      {
        ...VCS,
        CLEF_AGENT_VCS_PROVIDER: 'GitLab',
        CLEF_AGENT_VCS_REPO: 'group/sub/project',
        CLEF_AGENT_VCS_REF: 'release-1',
        CLEF_AGENT_VCS_API_URL: 'https://gitlab.example.com/',
      },
      {
        kind: 'gitlab',
        ...VCS_CONFIG,
        repo: 'group/sub/project',
        ref: 'release-1',
        apiUrl: 'https://gitlab.example.com/',
      },
    ],
    [
      'GitLab numeric project id',
      { ...VCS, CLEF_AGENT_VCS_PROVIDER: 'gitlab', CLEF_AGENT_VCS_REPO: '42' },
      { kind: 'gitlab', ...VCS_CONFIG, repo: '42' },
    ],
    [
      'Bitbucket with an app password and API host',
      {
        ...VCS,
        CLEF_AGENT_VCS_PROVIDER: 'bitbucket',
        CLEF_AGENT_VCS_TOKEN: 'user:app-pass',
        CLEF_AGENT_VCS_API_URL: 'http://127.0.0.1:8080',
      },
      { kind: 'bitbucket', ...VCS_CONFIG, token: 'user:app-pass', apiUrl: 'http://127.0.0.1:8080/' },
    ],
  ]
  it.each(cases)('%s', (_name, env, expected) => {
    expect(sourceOf(env)).toEqual(expected)
  })
})

describe('parseConfig: source issues', () => {
  const cases: [string, Env, [string, RegExp][]][] = [
    [
      'S3 bucket name',
      { CLEF_AGENT_SOURCE: 's3://B_ad/key' },
      [['CLEF_AGENT_SOURCE', /S3 source: not a valid bucket.*s3:\/\/bucket\/key/]],
    ],
    [
      'S3 prefix, not an object',
      { CLEF_AGENT_SOURCE: 's3://bucket/dir/' },
      [['CLEF_AGENT_SOURCE', /not an object/]],
    ],
    [
      'S3 URL with credentials',
      { CLEF_AGENT_SOURCE: 's3://AKIAXXX:s3cr3t@bucket/key' },
      [['CLEF_AGENT_SOURCE', /must not carry credentials/]],
    ],
    [
      'S3 host that is no S3 URL form',
      { CLEF_AGENT_SOURCE: 'https://bucket.s3.dualstack.us-east-1.amazonaws.com/a.json' },
      [['CLEF_AGENT_SOURCE', /S3 source/]],
    ],
    [
      'bad S3 endpoint',
      { CLEF_AGENT_SOURCE: 's3://bucket/key', AWS_ENDPOINT_URL_S3: 'ftp://x' },
      [['AWS_ENDPOINT_URL_S3', /http:\/\/ or https:\/\/ URL/]],
    ],
    [
      'SOURCE and VCS together',
      { CLEF_AGENT_SOURCE: '/a.json', ...VCS },
      [['CLEF_AGENT_SOURCE', /together with CLEF_AGENT_VCS_/]],
    ],
    [
      'VCS without provider',
      { ...VCS, CLEF_AGENT_VCS_PROVIDER: undefined },
      [['CLEF_AGENT_VCS_PROVIDER', /required.*github, gitlab, bitbucket/]],
    ],
    [
      'unknown provider',
      { ...VCS, CLEF_AGENT_VCS_PROVIDER: 'gitea' },
      [['CLEF_AGENT_VCS_PROVIDER', /github, gitlab, bitbucket/]],
    ],
    [
      'only a provider: every missing piece is named',
      { CLEF_AGENT_VCS_PROVIDER: 'github' },
      [
        ['CLEF_AGENT_VCS_REPO', /required.*owner\/repo/],
        ['CLEF_AGENT_VCS_TOKEN', /required.*token/],
        ['CLEF_AGENT_VCS_IDENTITY', /required.*identity/],
        ['CLEF_AGENT_VCS_ENVIRONMENT', /required.*environment/],
      ],
    ],
    [
      'GitHub repo shape',
      { ...VCS, CLEF_AGENT_VCS_REPO: 'just-a-name' },
      [['CLEF_AGENT_VCS_REPO', /owner\/repo for github/]],
    ],
    [
      'Bitbucket repo shape',
      { ...VCS, CLEF_AGENT_VCS_PROVIDER: 'bitbucket', CLEF_AGENT_VCS_REPO: 'a/b/c' },
      [['CLEF_AGENT_VCS_REPO', /workspace\/repo_slug/]],
    ],
    [
      'identity with a slash',
      { ...VCS, CLEF_AGENT_VCS_IDENTITY: '../x' },
      [['CLEF_AGENT_VCS_IDENTITY', /without "\/"/]],
    ],
    [
      'environment ..',
      { ...VCS, CLEF_AGENT_VCS_ENVIRONMENT: '..' },
      [['CLEF_AGENT_VCS_ENVIRONMENT', /one name/]],
    ],
    [
      'ref with spaces',
      { ...VCS, CLEF_AGENT_VCS_REF: 'my branch' },
      [['CLEF_AGENT_VCS_REF', /without spaces/]],
    ],
    [
      'API URL not http',
      { ...VCS, CLEF_AGENT_VCS_API_URL: 'ssh://git@host' },
      [['CLEF_AGENT_VCS_API_URL', /http/]],
    ],
    [
      'API URL with credentials',
      { ...VCS, CLEF_AGENT_VCS_API_URL: 'https://me:pw@ghe.example.com/api/v3' },
      [['CLEF_AGENT_VCS_API_URL', /credentials/]],
    ],
    [
      'API URL with a query',
      { ...VCS, CLEF_AGENT_VCS_API_URL: 'https://ghe.example.com/api/v3?x=1' },
      [['CLEF_AGENT_VCS_API_URL', /query/]],
    ],
  ]
  it.each(cases)('%s', (_name, env, expected) => {
    const issues = issuesOf(env)
    expect(issues.map((i) => i.variable)).toEqual(expected.map(([variable]) => variable))
    expected.forEach(([, message], i) => {
      expect(issues[i]?.message).toMatch(message)
    })
  })

  it('never echoes the VCS token, an S3 URL credential or an endpoint', () => {
    const issues = [
      ...issuesOf({ ...VCS, CLEF_AGENT_VCS_REPO: 'bad', CLEF_AGENT_VCS_API_URL: 'https://u:pw-9@h/x' }),
      ...issuesOf({ CLEF_AGENT_SOURCE: 's3://AKIAXXX:s3cr3t@bucket/key', AWS_ENDPOINT_URL_S3: 'x:tok3n' }),
    ]
    const text = JSON.stringify(issues)
    for (const secret of [VCS_TOKEN, 'pw-9', 's3cr3t', 'AKIAXXX', 'tok3n']) expect(text).not.toContain(secret)
  })
})

describe('parseConfig: values that look like URLs but are malformed', () => {
  it.each([
    ['http//example.com/a.json', 'http'],
    ['https:/example.com/a.json', 'https'],
    ['https:example.com/a.json?sig=s3cr3t', 'https'],
    ['s3:/bucket/key', 's3'],
    ['s3//bucket/key', 's3'],
    ['file:/etc/clef/a.json', 'file'],
    ['gs:/bucket/key', 'gs'],
  ])('refuses %s at config time, naming the expected scheme, never the value', (value, scheme) => {
    const issues = issuesOf({ CLEF_AGENT_SOURCE: value })
    expect(issues).toHaveLength(1)
    expect(issues[0]?.variable).toBe('CLEF_AGENT_SOURCE')
    expect(issues[0]?.message).toBe(
      `looks like a URL but is malformed (expected "${scheme}://…"); a file path must not start with "${scheme}:" or "${scheme}//"`,
    )
    expect(issues[0]?.message).not.toContain('example.com')
    expect(issues[0]?.message).not.toContain('s3cr3t')
  })

  it.each([
    'artifact.json',
    './a//b.json',
    'C:/clef/a.json',
    'data//a.json',
    'odd:name.json',
    '/srv/http//a.json',
  ])('still takes %s as a file path', (path) => {
    expect(sourceOf({ CLEF_AGENT_SOURCE: path })).toEqual({ kind: 'file', path })
  })
})
