// examples/lambda: its handler, run as Lambda's Node runtime would (a separate process importing
// handler.mjs), reads a secret from the built extension with the token the extension wrote, from a
// KMS envelope artifact unwrapped by the (fake) KMS with no age key anywhere; its SAM template
// deploys that handler on a supported Node runtime with the Node layer this package builds, no key
// in its configuration, and one architecture for the function and the executable layer.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { KNOWN_VARIABLES, parseConfig } from '@clef-sh/agent-core'
import { packArtifact, startFakeKms, startFakeLambda, tempDir, vector, writeArtifact } from '@clef-sh/testing'
import { BUNDLE, startExtension } from './harness.ts'

const EXAMPLE = fileURLToPath(new URL('../../../examples/lambda/', import.meta.url))
const kms = vector('kms-aws-envelope').kms

/** An artifact of `app__API_KEY` in KMS envelope mode, wrapped by a key the fake KMS knows. */
const packEnvelope = async (): Promise<string> => {
  if (kms === null) throw new Error('kms-aws-envelope has no KMS envelope')
  return packArtifact({
    values: { app: { API_KEY: 'sk_live_example' } },
    envelope: { dek: Buffer.from(kms.dek, 'base64'), keyId: kms.keyId, wrappedKey: kms.wrappedKey },
  })
}

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
    await writeArtifact(dir.path, await packEnvelope())
    await using fakeKms = await startFakeKms()
    await using lambda = await startFakeLambda({ extensionNames: ['clef-agent'] })
    await using ext = await startExtension({
      runtimeApi: lambda.runtimeApi,
      env: {
        // KMS envelope mode, as in template.yaml: the function's role unwraps, no age key is set.
        ...fakeKms.env,
        CLEF_AGENT_SOURCE: dir.file('artifact.json'),
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
    expect(fakeKms.stats.decryptCalls).toBe(1)
  })

  it('the SAM template deploys handler.handler on a supported Node runtime with the Node layer, no key in its configuration', async () => {
    const tags = ['!Ref', '!Sub'].map((tag) => ({ tag, resolve: (value: string) => ({ [tag]: value }) }))
    const text = await readFile(`${EXAMPLE}template.yaml`, 'utf8')
    const template = parse(text, { customTags: tags }) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>
    }
    const layerZip = (resource: string): string =>
      fileURLToPath(
        new URL(String(template.Resources[resource]?.Properties['ContentUri']), pathToFileURL(EXAMPLE)),
      )
    const dist = (name: string): string => fileURLToPath(new URL(`../dist/${name}`, import.meta.url))
    expect(layerZip('ClefAgentNodeLayer')).toBe(dist('clef-agent-node-layer.zip'))
    expect(layerZip('ClefAgentLayer')).toBe(dist('clef-agent-layer.zip'))
    const fn = template.Resources['Function']?.Properties as {
      Handler: string
      Runtime: string
      Architectures: unknown[]
      Layers: unknown[]
      Policies: Record<string, unknown>[]
      Environment: { Variables: Record<string, string | { '!Sub': string }> }
    }
    expect(fn.Handler).toBe('handler.handler')
    expect(['nodejs22.x', 'nodejs24.x']).toContain(fn.Runtime)
    expect(template.Resources['ClefAgentNodeLayer']?.Properties['CompatibleRuntimes']).toContain(fn.Runtime)
    expect(fn.Layers).toEqual([{ '!Ref': 'ClefAgentNodeLayer' }])
    // One architecture parameter for the function and the executable layer: never x86_64 for arm64.
    expect(fn.Architectures).toEqual([{ '!Ref': 'Architecture' }])
    expect(template.Resources['ClefAgentLayer']?.Properties['CompatibleArchitectures']).toEqual(
      fn.Architectures,
    )
    // The function's role unwraps the data key; no private key is anywhere in its configuration.
    expect(fn.Policies).toContainEqual({ KMSDecryptPolicy: { KeyId: { '!Ref': 'KmsKeyId' } } })
    expect(text).not.toMatch(/AGE_KEY|AGE-SECRET-KEY|resolve:secretsmanager/)
    const vars = fn.Environment.Variables
    expect(Object.keys(vars).filter((name) => !KNOWN_VARIABLES.includes(name))).toEqual([])
    // Deploy-time substitutions stand in for what CloudFormation fills in.
    const env = Object.fromEntries(
      Object.entries(vars).map(([name, value]) => [
        name,
        typeof value === 'string'
          ? value
          : value['!Sub']
              .replace('${ArtifactBucket}', 'my-bucket')
              .replace('${ArtifactKey}', 'api/production.age.json'),
      ]),
    )
    expect(parseConfig(env)).toMatchObject({ ok: true, config: { source: { kind: 's3' } } })
  })
})
