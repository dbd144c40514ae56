// Nothing leaks: the daemon runs every vector (cached and JIT, good and bad) with its disk cache,
// TMPDIR and generated token file under one temp root; then every file written there, every line
// of output, every non-secret HTTP body and every telemetry export is scanned for any secret value
// of the vectors, the age keys, the DEKs and the token. Only the token file may hold the token.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  loadKmsMappings,
  loadVectors,
  startFakeKms,
  startOtlpReceiver,
  tempDir,
  VECTORS_DIR,
  vectorPath,
  type FakeKms,
  type Vector,
} from '@clef-sh/testing'
import { startDaemon, waitLoaded } from './harness.ts'

interface Needle {
  readonly label: string
  readonly text: string
}

const MIN = 6

/** Finds any needle in a text in one pass, indexing needles by their first {@link MIN} chars. */
const createScanner = (needles: Needle[]) => {
  const byPrefix = new Map<string, Needle[]>()
  for (const n of needles) {
    const prefix = n.text.slice(0, MIN)
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), n])
  }
  let bytes = 0
  return {
    scan: (hay: string): Needle[] => {
      bytes += Buffer.byteLength(hay)
      const found: Needle[] = []
      for (let i = 0; i + MIN <= hay.length; i++) {
        for (const n of byPrefix.get(hay.slice(i, i + MIN)) ?? [])
          if (hay.startsWith(n.text, i)) found.push(n)
      }
      return found
    },
    bytes: () => bytes,
  }
}

/** Secret values of the ok vectors, raw and as they would look inside a JSON string. */
const valueNeedles = (vectors: Vector[]): Needle[] =>
  vectors.flatMap((v) =>
    v.expect.ok
      ? Object.entries(v.expect.values).flatMap(([ns, kv]) =>
          Object.entries(kv).flatMap(([k, value]) => {
            const label = `${v.name} ${ns}__${k}`
            return [value, JSON.stringify(value).slice(1, -1)].map((text) => ({ label, text }))
          }),
        )
      : [],
  )

const keyNeedles = async (vectors: Vector[]): Promise<Needle[]> => {
  const keysDir = join(VECTORS_DIR, 'keys')
  const files = await readdir(keysDir)
  const fromFiles = await Promise.all(
    files.map(async (f) => {
      const text = await readFile(join(keysDir, f), 'utf8')
      const secrets = f.endsWith('.agekey')
        ? text.split('\n').filter((l) => l.startsWith('AGE-SECRET-KEY-'))
        : f.endsWith('.pkcs8.b64')
          ? [text.trim()]
          : []
      return secrets.map((s) => ({ label: `key ${f}`, text: s }))
    }),
  )
  const ageKeys = vectors.flatMap((v) =>
    v.ageKey === null ? [] : [{ label: `age key of ${v.name}`, text: v.ageKey }],
  )
  const deks = loadKmsMappings().flatMap((m) => [
    { label: `DEK of ${m.keyId}`, text: m.dek },
    { label: `DEK of ${m.keyId} (hex)`, text: Buffer.from(m.dek, 'base64').toString('hex') },
  ])
  return [...fromFiles.flat(), ...ageKeys, ...deks]
}

const walk = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  )
  return nested.flat()
}

const envFor = (v: Vector, ttl: string, kms: FakeKms): Record<string, string> => ({
  CLEF_AGENT_SOURCE: vectorPath(v),
  CLEF_AGENT_CACHE_TTL: ttl,
  ...(v.ageKey === null ? {} : { CLEF_AGENT_AGE_KEY: v.ageKey }),
  ...(v.verifyKey === null ? {} : { CLEF_AGENT_VERIFY_KEY: v.verifyKey }),
  ...(v.kms === null ? {} : kms.env),
})

const MODES = [
  ['cached', '300'],
  ['jit', '0'],
] as const

interface ScenarioOptions {
  root: string
  kms: FakeKms
  telemetryUrl: string
  tokenFile: string
  v: Vector
  mode: string
  ttl: string
  /** Where every daemon output and every non-secret HTTP body goes, for the scan. */
  record: Record<'outputs' | 'bodies', string[]>
}

/**
 * Runs the daemon on one vector, calls every endpoint the way a client (or an attacker without
 * the token) would, and records what came back. Returns the secrets body of an ok vector.
 */
const runScenario = async (o: ScenarioOptions): Promise<string | undefined> => {
  const { v, mode, record } = o
  const d = await startDaemon({
    ...envFor(v, o.ttl, o.kms),
    TMPDIR: o.root,
    CLEF_AGENT_TOKEN: '',
    CLEF_AGENT_CACHE_PATH: join(o.root, 'cache', mode, v.name, 'artifact.json'),
    CLEF_AGENT_TELEMETRY_URL: o.telemetryUrl,
    CLEF_AGENT_LOG_LEVEL: 'debug',
  })
  try {
    await waitLoaded(d)
    // Loaded is not yet ready: the first refresh still writes the cache before it ends.
    if (v.expect.ok) await d.waitFor(async () => (await d.get('/v1/ready', { auth: false })).status === 200)
    const bearer = `Bearer ${(await readFile(o.tokenFile, 'utf8')).trim()}`
    const call = async (path: string, opts: { auth?: string; method?: string } = {}) => {
      const headers: Record<string, string> = opts.auth === undefined ? {} : { authorization: opts.auth }
      const res = await fetch(`http://127.0.0.1:${d.port}${path}`, { method: opts.method ?? 'GET', headers })
      return { status: res.status, text: await res.text() }
    }
    for (const path of ['/v1/health', '/v1/ready', '/v1/metrics']) record.bodies.push((await call(path)).text)
    for (const [path, auth] of [
      ['/v1/secrets', undefined],
      ['/v1/secrets', `${bearer}x`],
      ['/v1/secrets/no__such-key', bearer],
      ['/v1/keys', 'Bearer '],
    ] as const) {
      const answer = await call(path, auth === undefined ? {} : { auth })
      expect(answer.status).toBeGreaterThanOrEqual(400)
      record.bodies.push(answer.text)
    }
    record.bodies.push((await call('/v1/refresh', { auth: bearer, method: 'POST' })).text)
    const all = await call('/v1/secrets', { auth: bearer })
    expect(all.status, `${mode} ${v.name}`).toBe(v.expect.ok ? 200 : 503)
    if (!v.expect.ok) {
      record.bodies.push(all.text)
      return undefined
    }
    expect(JSON.parse(all.text), `${mode} ${v.name}`).toEqual(v.expect.values)
    return all.text
  } finally {
    await d.stop()
    record.outputs.push(d.output())
  }
}

describe('leaks', () => {
  it('no secret value, key, DEK or token in any file, log line, error body or telemetry export', async ({
    annotate,
  }) => {
    const vectors = loadVectors()
    await using root = await tempDir()
    await using kms = await startFakeKms()
    await using collector = await startOtlpReceiver()
    const tokenFile = join(root.path, `clef-agent-${process.getuid?.() ?? 'user'}`, 'token')
    const record: ScenarioOptions['record'] = { outputs: [], bodies: [] }
    const { outputs, bodies } = record
    const run = { root: root.path, kms, telemetryUrl: collector.url, tokenFile, record }
    // Cached and JIT side by side; the first two starts race to generate the one token file.
    const proofs = await Promise.all(
      MODES.map(async ([mode, ttl]) => {
        let last = ''
        for (const v of vectors) last = (await runScenario({ ...run, v, mode, ttl })) ?? last
        return last
      }),
    )
    const token = (await readFile(tokenFile, 'utf8')).trim()
    const proof = proofs.join('\n')

    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600)
    expect((await stat(join(tokenFile, '..'))).mode & 0o777).toBe(0o700)
    // A value that also stands in the clear in a public input (like `us-east-1`, which is part of
    // the KMS key ARN in the artifact and of the AWS environment) is not a secret that could leak.
    const publicText = [
      ...(await Promise.all(vectors.map((v) => readFile(vectorPath(v), 'utf8')))),
      JSON.stringify(kms.env),
    ].join('\n')
    const candidates = [...valueNeedles(vectors), ...(await keyNeedles(vectors))].filter(
      (n) => n.text.length >= MIN,
    )
    const inClear = new Set(createScanner(candidates).scan(publicText))
    const secrets = candidates.filter((n) => !inClear.has(n))
    const inTheClear = [...new Set([...inClear].map((n) => n.text))]
    expect(inTheClear).toEqual(['us-east-1'])
    const withToken = createScanner([...secrets, { label: 'the API token', text: token }])
    const tokenAllowed = createScanner(secrets)
    const leaks: string[] = []
    const check = (where: string, text: string, scanner = withToken): void => {
      for (const n of scanner.scan(text)) leaks.push(`${n.label} in ${where}`)
    }
    const files = await walk(root.path)
    for (const file of files)
      check(file, await readFile(file, 'utf8'), file === tokenFile ? tokenAllowed : withToken)
    for (const [i, o] of outputs.entries()) check(`daemon output #${i}`, o)
    for (const [i, b] of bodies.entries()) check(`HTTP body #${i}`, b)
    for (const [i, e] of collector.exports.entries()) check(`telemetry export #${i}`, e.text)

    expect(leaks).toEqual([])
    // The scanner does find secrets where they belong: in a secrets answer.
    expect(createScanner(secrets).scan(proof).length).toBeGreaterThan(0)
    // The scan is only worth something if the haystack is real: caches were written, and the
    // 5000-key vector's values are among the needles.
    expect(files.filter((f) => f.endsWith('artifact.json')).length).toBeGreaterThanOrEqual(10)
    expect(secrets.length).toBeGreaterThan(5000)
    const scanned = withToken.bytes() + tokenAllowed.bytes()
    await annotate(
      `${vectors.length * 2} daemon runs; scanned ${scanned} bytes for ${secrets.length + 1} needles: ` +
        `${files.length} files, ${outputs.length} outputs, ${bodies.length} HTTP bodies, ` +
        `${collector.exports.length} telemetry exports (public values skipped: ${inTheClear.join(', ')})`,
    )
  }, 180_000)
})
