// Reads the artifact from a local path (a mounted volume, a file written by a sidecar). The
// etag is the SHA-256 of the bytes, so an unchanged file is reported as unchanged.
import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { ErrorCode } from '@clef-sh/errors'
import { SourceError } from '../errors.ts'
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, decodeUtf8 } from '../limits.ts'
import type { ArtifactSource, FetchRequest, FetchResult } from '../source.ts'
import { describeFile, fileErrorToSourceError, fileFailure } from './file-errors.ts'

/** Options of {@link FileSource}. */
export interface FileSourceOptions {
  /** The artifact file itself (not a directory). */
  path: string
  /** Size cap in bytes. Default 16 MiB. */
  maxBytes?: number | undefined
  /** Bound of one fetch (a hung network mount), in ms. Default 10 s. */
  timeoutMs?: number | undefined
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever; with it the
// open returns at once and the fstat below refuses the FIFO. Regular files ignore the flag.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK

/**
 * An artifact in a local file; its etag is the SHA-256 (hex) of the bytes. The constructor does no
 * I/O and never throws. `fetch` rejects with {@link SourceError}: `source_not_found` (missing),
 * `source_auth` (permission denied), `source_too_large`, `source_invalid_response` (not a
 * regular file: a FIFO or device is refused without blocking; not UTF-8) and `source_unreachable`
 * (other I/O failures, aborts, and a read that outlasts `timeoutMs`, as on a hung network mount;
 * transient).
 */
/**
 * The file's bytes when `size` (from the handle's stat) is still right: reads that many at once,
 * without the second stat `readFile` makes. A file whose size changed meanwhile, or that reports
 * none (as some special files do), is read to its end by `readFile`.
 */
const readKnownSize = async (handle: FileHandle, size: number, signal: AbortSignal): Promise<Buffer> => {
  if (size > 0) {
    const buffer = Buffer.allocUnsafe(size + 1)
    const { bytesRead } = await handle.read(buffer, 0, size + 1, 0)
    if (bytesRead === size) return buffer.subarray(0, size)
  }
  return handle.readFile({ signal })
}

export class FileSource implements ArtifactSource {
  readonly kind = 'file'
  readonly #path: string
  readonly #maxBytes: number
  readonly #timeoutMs: number

  constructor(opts: FileSourceOptions) {
    this.#path = opts.path
    this.#maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  }

  async fetch(req: FetchRequest): Promise<FetchResult> {
    const bytes = await this.#bounded(req.signal)
    const etag = createHash('sha256').update(bytes).digest('hex')
    if (etag === req.etag) return { changed: false, etag }
    const body = decodeUtf8(bytes)
    if (body === undefined) {
      throw fileFailure(this.#path, { code: ErrorCode.SourceInvalidResponse, detail: 'not valid UTF-8' })
    }
    return { changed: true, body, etag }
  }

  describe(): string {
    return describeFile(this.#path)
  }

  // A read stuck in the kernel (a hung NFS mount) cannot be cancelled: the fetch gives up on it
  // after the timeout and lets it finish, or not, in the background.
  async #bounded(caller: AbortSignal): Promise<Buffer> {
    const timeout = AbortSignal.timeout(this.#timeoutMs)
    const signal = AbortSignal.any([caller, timeout])
    let onAbort: (() => void) | undefined
    const gaveUp = new Promise<never>((_resolve, reject) => {
      onAbort = () => {
        const detail = caller.aborted ? 'aborted' : `timed out after ${this.#timeoutMs} ms`
        reject(fileFailure(this.#path, { code: ErrorCode.SourceUnreachable, detail, transient: true }))
      }
      signal.addEventListener('abort', onAbort, { once: true })
    })
    const reading = this.#read(signal)
    reading.catch(() => {})
    try {
      return await Promise.race([reading, gaveUp])
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
    }
  }

  // One handle for stat and read, so an atomic rename between the two cannot slip a different
  // (possibly oversized) file past the size check.
  async #read(signal: AbortSignal): Promise<Buffer> {
    try {
      signal.throwIfAborted()
      await using handle = await open(this.#path, OPEN_FLAGS)
      const stat = await handle.stat()
      if (!stat.isFile()) {
        const hint = 'the file source must name the packed artifact file itself'
        throw fileFailure(this.#path, {
          code: ErrorCode.SourceInvalidResponse,
          detail: 'not a regular file',
          hint,
        })
      }
      this.#checkSize(stat.size)
      const bytes = await readKnownSize(handle, stat.size, signal)
      this.#checkSize(bytes.length)
      return bytes
    } catch (e) {
      if (e instanceof SourceError) throw e
      if (signal.aborted) {
        throw fileFailure(this.#path, {
          code: ErrorCode.SourceUnreachable,
          detail: 'aborted',
          cause: e,
          transient: true,
        })
      }
      throw fileErrorToSourceError(e, this.#path)
    }
  }

  #checkSize(size: number): void {
    if (size <= this.#maxBytes) return
    throw fileFailure(this.#path, {
      code: ErrorCode.SourceTooLarge,
      detail: `${size} bytes exceed the ${this.#maxBytes}-byte cap`,
      hint: 'check that the path names a packed artifact, or raise the size cap',
    })
  }
}
