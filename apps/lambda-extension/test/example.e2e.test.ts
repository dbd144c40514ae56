// examples/lambda: its handler, run as Lambda's Node runtime would (a separate process importing
// handler.mjs), reads a secret from the built extension with the token the extension wrote; its SAM
// template deploys that handler with the layer this package builds and a configuration that parses.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { KNOWN_VARIABLES, parseConfig } from '@clef-sh/agent-core'
import { createAgeKey, startFakeLambda, tempDir, vector, vectorPath } from '@clef-sh/testing'
import { BUNDLE, startExtension } from './harness.ts'

const EXAMPLE = fileURLToPath(new URL('../../../examples/lambda/', import.meta.url))
const basic = vector('age-basic')

/** Invokes the example's handler once in a fresh Node process with `env`; resolves its result. */
const invokeHandler = async (env: Record<string, string>): Promise<unknown> => {
  const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(`${EXAMPLE}handler.mjs`).href)})
process.stdout.write(JSON.stringify(await handler({})))`
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env['PATH'], ...env },
  })
  return JSON.parse(stdout) as unknown
}

describe('examples/lambda', () => {
  it('the handler reads its secret from the extension with the token file, and maps failures to codes', async () => {
    await using dir = await tempDir()
    const tokenFile = dir.file('clef-agent/token')
    await using lambda = await startFakeLambda({ extensionNames: ['clef-agent'] })
    await using ext = await startExtension({
      runtimeApi: lambda.runtimeApi,
      env: {
        CLEF_AGENT_SOURCE: vectorPath(basic),
        CLEF_AGENT_AGE_KEY: basic.ageKey ?? '',
        // The harness's fixed token is replaced by a generated one in the file, as in template.yaml.
        CLEF_AGENT_TOKEN: '',
        CLEF_AGENT_TOKEN_FILE: tokenFile,
      },
      args: [BUNDLE, '--name', 'clef-agent'],
    })
    await lambda.initDone()
    const port = String(ext.port)
    expect(await invokeHandler({ CLEF_AGENT_PORT: port, CLEF_AGENT_TOKEN_FILE: tokenFile })).toEqual({
      statusCode: 200,
      body: JSON.stringify({ apiKey: 'configured' }),
    })
    expect(await invokeHandler({ CLEF_AGENT_PORT: port, CLEF_AGENT_TOKEN: 'not-the-token' })).toEqual({
      statusCode: 503,
      body: JSON.stringify({ code: 'unauthorized' }),
    })
    expect(lambda.errors).toEqual([])
  })

  it('the SAM template deploys handler.handler with the layer zip and a configuration that parses', async () => {
    const tags = ['!Ref', '!Sub'].map((tag) => ({ tag, resolve: (value: string) => ({ [tag]: value }) }))
    const template = parse(await readFile(`${EXAMPLE}template.yaml`, 'utf8'), { customTags: tags }) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>
    }
    const layer = template.Resources['ClefAgentLayer']?.Properties
    expect(fileURLToPath(new URL(String(layer?.['ContentUri']), pathToFileURL(EXAMPLE)))).toBe(
      fileURLToPath(new URL('../dist/clef-agent-layer.zip', import.meta.url)),
    )
    const fn = template.Resources['Function']?.Properties as {
      Handler: string
      Runtime: string
      Layers: unknown[]
      Environment: { Variables: Record<string, string | { '!Sub': string }> }
    }
    expect(fn.Handler).toBe('handler.handler')
    expect(fn.Layers).toEqual([{ '!Ref': 'ClefAgentLayer' }])
    const vars = fn.Environment.Variables
    expect(Object.keys(vars).filter((name) => !KNOWN_VARIABLES.includes(name))).toEqual([])
    // Deploy-time substitutions stand in for what CloudFormation fills in.
    const key = await createAgeKey()
    const env = Object.fromEntries(
      Object.entries(vars).map(([name, value]) => [
        name,
        typeof value === 'string'
          ? value
          : value['!Sub']
              .replace('${ArtifactBucket}', 'my-bucket')
              .replace('${ArtifactKey}', 'api/production.age.json')
              .replace(/\{\{resolve:secretsmanager:[^}]+\}\}/, key.identity),
      ]),
    )
    expect(parseConfig(env)).toMatchObject({ ok: true, config: { source: { kind: 's3' } } })
  })
})
