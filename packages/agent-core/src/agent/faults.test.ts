// Faults injected at the wire and on disk, against the real HTTP and file sources and the real disk
// cache: a source that hangs, trickles, floods, lies, resets or flips; a cache path that cannot be
// written; a clock that jumps. The agent must keep what it had, report a stable code, never crash.
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  createFakeClock,
  createLogRecorder,
  createPacker,
  type FakeClock,
  newRevision,
  type Packer,
  type TempDir,
  tempDir,
  writeArtifact,
} from '@clef-sh/testing'
import type { AgentConfig } from '../config/types.ts'
import { createAgent } from './create-agent.ts'
import { testConfig, tick, readerOf } from './test-support.ts'
import type { Agent } from './types.ts'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

/** A purpose-built origin whose behaviour the test swaps per request; counts what it sent. */
interface Origin extends AsyncDisposable {
  readonly url: string
  handler: Handler
  bytesSent: number
  /** Responses not yet closed (finished, or abandoned by the client). */
  open: number
}

const startOrigin = async (): Promise<Origin> => {
  const origin: Origin = {
    url: '',
    handler: (_req, res) => res.writeHead(404).end(),
    bytesSent: 0,
    open: 0,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
        server.closeAllConnections()
      }),
  }
  const server = createServer((req, res) => {
    origin.open += 1
    res.once('close', () => (origin.open -= 1))
    origin.handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return Object.assign(origin, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/a.json` })
}

const serveText =
  (text: string): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(text)
  }

/** Writes `chunk` until the client goes away or `total` bytes are out, respecting back-pressure. */
const flood = (origin: Origin, res: ServerResponse, total: number): void => {
  const chunk = Buffer.alloc(64 * 1024, 0x20)
  const pump = (): void => {
    while (!res.destroyed && origin.bytesSent < total) {
      origin.bytesSent += chunk.length
      if (!res.write(chunk)) return void res.once('drain', pump)
    }
  }
  pump()
}

const revisionOf = (text: string): string => (JSON.parse(text) as { revision: string }).revision

const V1 = { app: { TOKEN: 'value-one-kept' } }
const V2 = { app: { TOKEN: 'value-two-next' } }
const TIMEOUT_MS = 250
const MAX_BYTES = 1024 * 1024

interface Rig {
  dir: TempDir
  clock: FakeClock
  packer: Packer
  agent: Agent
  logger: ReturnType<typeof createLogRecorder>
}

const rig = async (
  source: AgentConfig['source'] | ((dir: TempDir) => AgentConfig['source']),
  config: Partial<AgentConfig> = {},
) => {
  const dir = await tempDir()
  const clock = createFakeClock()
  const packer = await createPacker(clock)
  const logger = createLogRecorder()
  const full = testConfig({
    source: typeof source === 'function' ? source(dir) : source,
    ageKey: { kind: 'inline', value: packer.identity },
    cachePath: dir.file('cache/artifact.json'),
    ...config,
  })
  const agent = createAgent(full, {
    now: () => clock.now(),
    timers: clock.timers,
    random: () => 0.5,
    logger,
    sourceLimits: { timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES },
  })
  const r: Rig & AsyncDisposable = {
    dir,
    clock,
    packer,
    agent,
    logger,
    [Symbol.asyncDispose]: async () => {
      await agent.stop()
      await dir[Symbol.asyncDispose]()
    },
  }
  return r
}

/** Starts `r` on V1 served by `origin`; returns the V1 text. */
const startGood = async (r: Rig, origin: Origin): Promise<string> => {
  const text = await r.packer.pack(V1)
  origin.handler = serveText(text)
  await r.agent.start()
  expect(await r.agent.getAll()).toEqual(V1)
  return text
}

/** The agent still serves V1, ready, and its disk cache still holds the V1 text. */
const expectKept = async (r: Rig, text: string): Promise<void> => {
  expect(await r.agent.getAll()).toEqual(V1)
  expect(r.agent.ready).toBe(true)
  expect(await readFile(r.dir.file('cache/artifact.json'), 'utf8')).toBe(text)
}

describe('faults at the source', () => {
  it('hangs: times out as transient source_unreachable, secrets kept, nothing left open', async ({
    annotate,
  }) => {
    await using origin = await startOrigin()
    await using r = await rig({ kind: 'http', url: origin.url })
    const text = await startGood(r, origin)
    origin.handler = () => {}
    const began = Date.now()
    expect(await tick(r.agent, r.clock)).toMatchObject({
      ok: false,
      code: 'source_unreachable',
      message: expect.stringContaining(`timed out after ${TIMEOUT_MS} ms`) as string,
    })
    await expect(readerOf(r.agent).refresh()).rejects.toMatchObject({
      code: 'source_unreachable',
      transient: true,
    })
    const took = Date.now() - began
    expect(took).toBeLessThan(4 * TIMEOUT_MS + 1_000)
    await expectKept(r, text)
    await expect.poll(() => origin.open).toBe(0)
    await annotate(`2 hung requests ended after ${took} ms in total`)
  })

  it('trickles 1 byte per 100 ms: the timeout covers the body too', async ({ annotate }) => {
    await using origin = await startOrigin()
    await using r = await rig({ kind: 'http', url: origin.url })
    const text = await startGood(r, origin)
    origin.handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(text.length) })
      const timer = setInterval(() => {
        origin.bytesSent += 1
        res.write(text[origin.bytesSent - 1] ?? ' ')
      }, 100)
      res.once('close', () => {
        clearInterval(timer)
      })
    }
    expect(await tick(r.agent, r.clock)).toMatchObject({
      ok: false,
      code: 'source_unreachable',
      message: expect.stringContaining('timed out') as string,
    })
    expect(origin.bytesSent).toBeLessThanOrEqual(TIMEOUT_MS / 100 + 1)
    await expect.poll(() => origin.open).toBe(0)
    await expectKept(r, text)
    await annotate(`trickled ${origin.bytesSent} bytes before the timeout`)
  })

  it.for([
    ['announces 5 GB', { 'content-length': String(5 * 2 ** 30) }, 'Content-Length 5368709120 exceeds'],
    ['streams without end', {}, `body exceeds the ${MAX_BYTES}-byte cap`],
  ] as const)('%s: the size cap stops the transfer early', async ([, headers, why], { annotate }) => {
    await using origin = await startOrigin()
    await using r = await rig({ kind: 'http', url: origin.url })
    const text = await startGood(r, origin)
    origin.handler = (_req, res) => {
      res.writeHead(200, headers)
      flood(origin, res, 5 * 2 ** 30)
    }
    expect(await tick(r.agent, r.clock)).toMatchObject({
      ok: false,
      code: 'source_too_large',
      message: expect.stringContaining(why) as string,
    })
    await expect.poll(() => origin.open).toBe(0)
    // Whatever the loopback socket buffers held, far from 5 GB.
    expect(origin.bytesSent).toBeLessThan(MAX_BYTES + 32 * 1024 * 1024)
    await expectKept(r, text)
    await annotate(`origin sent ${origin.bytesSent} bytes of 5 GiB`)
  })

  it('answers HTML with 200: json_parse, nothing replaced', async () => {
    await using origin = await startOrigin()
    await using r = await rig({ kind: 'http', url: origin.url })
    const text = await startGood(r, origin)
    origin.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><h1>502 Bad Gateway</h1>')
    }
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'json_parse' })
    await expectKept(r, text)
  })

  it('resets the connection mid-body: transient source_unreachable, secrets kept', async () => {
    await using origin = await startOrigin()
    await using r = await rig({ kind: 'http', url: origin.url })
    const text = await startGood(r, origin)
    const next = await r.packer.pack(V2, { revision: newRevision(r.clock.now() + 1_000) })
    origin.handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(next.length) })
      res.write(next.slice(0, next.length >> 1), () => res.socket?.resetAndDestroy())
    }
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: false, code: 'source_unreachable' })
    await expectKept(r, text)
    origin.handler = serveText(next)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: true, changed: true })
    expect(await r.agent.getAll()).toEqual(V2)
  })

  describe.each([
    ['cached', 300_000],
    ['jit', 0],
  ])('flips between two valid versions on every request (%s mode)', (_mode, ttlMs) => {
    const flip = async (allowRollback: boolean) => {
      await using origin = await startOrigin()
      await using r = await rig({ kind: 'http', url: origin.url }, { ttlMs, allowRollback })
      const older = await r.packer.pack(V1, { revision: newRevision(r.clock.now() - 1_000) })
      const newer = await r.packer.pack(V2)
      const versions = new Map([
        [revisionOf(older), V1],
        [revisionOf(newer), V2],
      ])
      let requests = 0
      origin.handler = (req, res) => {
        serveText(requests++ % 2 === 0 ? older : newer)(req, res)
      }
      await r.agent.start()
      const outcomes: string[] = []
      for (let i = 0; i < 8; i++) {
        const reads = Array.from({ length: 5 }, () => r.agent.getAll())
        const event = await tick(r.agent, r.clock)
        outcomes.push(event.ok ? (event.changed ? 'accepted' : 'unchanged') : event.code)
        // Every read, during or after the swap, is one whole version and matches the revision.
        for (const values of await Promise.all(reads)) expect([V1, V2]).toContainEqual(values)
        expect(await r.agent.getAll()).toEqual(versions.get(r.agent.revision ?? ''))
        expect([older, newer]).toContain(await readFile(r.dir.file('cache/artifact.json'), 'utf8'))
      }
      return { outcomes, served: await r.agent.getAll() }
    }

    it('rollback protection on: the older one is refused once the newer was accepted', async () => {
      const { outcomes, served } = await flip(false)
      expect(outcomes).toEqual([
        'accepted',
        'rollback',
        'unchanged',
        'rollback',
        'unchanged',
        'rollback',
        'unchanged',
        'rollback',
      ])
      expect(served).toEqual(V2)
    })

    it('rollback allowed: every flip is accepted whole', async () => {
      const { outcomes } = await flip(true)
      expect(outcomes).toEqual(Array(8).fill('accepted'))
    })
  })
})

describe('faults on disk', () => {
  // Issue 14 item 3 changed both: an unusable location stops the start (it used to warn at every
  // refresh), and a directory is Clef's layout (it used to fail every write with EISDIR).
  it('a cache path under a regular file (ENOTDIR): start rejects, naming CLEF_AGENT_CACHE_PATH', async () => {
    await using scratch = await tempDir()
    await writeFile(scratch.file('blocker'), 'a file, not a dir')
    const cachePath = scratch.file('blocker/cache/artifact.json')
    await using r = await rig((dir) => ({ kind: 'file', path: dir.file('artifact.json') }), { cachePath })
    await writeArtifact(r.dir.path, await r.packer.pack(V1))
    await expect(r.agent.start()).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining(`CLEF_AGENT_CACHE_PATH ${cachePath}`) as unknown,
    })
  })

  it('a cache path that is a directory: the artifact goes to <dir>/<identity>/<environment>.age.json', async () => {
    await using scratch = await tempDir()
    const cachePath = scratch.file('cache')
    await mkdir(cachePath, { recursive: true })
    await using r = await rig((dir) => ({ kind: 'file', path: dir.file('artifact.json') }), { cachePath })
    const packed = await r.packer.pack(V1)
    await writeArtifact(r.dir.path, packed)
    await r.agent.start()
    expect(await r.agent.getAll()).toEqual(V1)
    const { identity, environment } = JSON.parse(packed) as { identity: string; environment: string }
    expect(await readFile(join(cachePath, identity, `${environment}.age.json`), 'utf8')).toBe(packed)
    expect(r.logger.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).not.toContain(
      'disk cache could not be written',
    )
  })

  it('an unreadable cache at start with the source down: logged, then served once the source is back', async () => {
    await using r = await rig((dir) => ({ kind: 'file', path: dir.file('artifact.json') }))
    // Writable by others: the trusted-file rule refuses to read it.
    await mkdir(r.dir.file('cache'), { recursive: true })
    await writeFile(r.dir.file('cache/artifact.json'), 'planted')
    await chmod(r.dir.file('cache/artifact.json'), 0o666)
    await r.agent.start()
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'source_not_found' })
    expect(r.logger.lines.some((l) => l.msg === 'disk cache could not be read')).toBe(true)
    await writeArtifact(r.dir.path, await r.packer.pack(V1))
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: true })
    expect(await r.agent.getAll()).toEqual(V1)
  })
})

describe.each([
  ['cached', 300_000],
  ['jit', 0],
])('clock jumps around expiresAt (%s mode)', (_mode, ttlMs) => {
  it('forward past expiresAt stops serving; back again resurrects nothing', async () => {
    await using r = await rig((dir) => ({ kind: 'file', path: dir.file('artifact.json') }), { ttlMs })
    const text = await r.packer.pack(V1, { expiresAt: new Date(r.clock.now() + 60_000).toISOString() })
    await writeArtifact(r.dir.path, text)
    await r.agent.start()
    expect(await r.agent.getAll()).toEqual(V1)

    r.clock.advance(3_600_000)
    await expect(r.agent.getAll()).rejects.toMatchObject({ code: 'expired' })
    expect(readerOf(r.agent).ready()).toEqual({ ready: false, reason: 'expired' })
    await expect.poll(() => existsSync(r.dir.file('cache/artifact.json'))).toBe(false)

    r.clock.advance(-7_200_000)
    expect(r.agent.revision).toBeNull()
    await expect(r.agent.getAll()).rejects.toMatchObject({ code: 'expired' })
    // The source still has the artifact, and by the rewound clock it has not expired: still dead.
    expect(await tick(r.agent, r.clock)).toMatchObject({
      ok: false,
      code: 'expired',
      message: expect.stringContaining('wiped at its expiry') as string,
    })
    expect(r.agent.ready).toBe(false)
    expect(existsSync(r.dir.file('cache/artifact.json'))).toBe(false)

    const fresh = await r.packer.pack(V2, { revision: newRevision(Date.now() + 3_600_000) })
    await writeArtifact(r.dir.path, fresh)
    expect(await tick(r.agent, r.clock)).toMatchObject({ ok: true, changed: true })
    expect(await r.agent.getAll()).toEqual(V2)
  })

  it('backwards while serving: no crash, keeps serving, keeps polling', async () => {
    await using r = await rig((dir) => ({ kind: 'file', path: dir.file('artifact.json') }), { ttlMs })
    const text = await r.packer.pack(V1, { expiresAt: new Date(r.clock.now() + 60_000).toISOString() })
    await writeArtifact(r.dir.path, text)
    await r.agent.start()
    r.clock.advance(-86_400_000)
    expect(await r.agent.getAll()).toEqual(V1)
    expect(await readerOf(r.agent).refresh()).toEqual({ revision: r.agent.revision })
    // The next poll is still scheduled sanely (TTL/10 or the JIT interval), not a busy loop.
    expect(r.clock.pending().map((t) => t.ms)).toEqual([30_000])
    expect(await r.agent.getAll()).toEqual(V1)
  })
})
