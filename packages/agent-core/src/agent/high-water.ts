// Rollback protection's memory (docs/SPEC.md §1): the newest accepted revision per identity and
// environment, kept in `<cachePath>.hwm` (`<dir>/.clef-agent.hwm` for a cache directory) so that a
// restart does not forget it. Without a cache path the marks live in memory only, and a restart starts from none.
import { compareRevisions, revisionTime, type PackedArtifact } from '@clef-sh/artifact-format'
import { createDiskCache, type DiskCache } from '@clef-sh/cache'
import { AgentError, ErrorCode, type Logger } from '@clef-sh/errors'
import { lineageOf } from './state.ts'

/** Why a marked revision was wiped; a wiped revision is never served again. */
export type WipeCode = typeof ErrorCode.Expired | typeof ErrorCode.Revoked

interface Mark {
  readonly identity: string
  readonly environment: string
  readonly revision: string
  readonly wiped?: WipeCode
}

/** Options of {@link createHighWater}. */
export interface HighWaterOptions {
  /**
   * The marks file, `<cachePath>.hwm` (or `<dir>/.clef-agent.hwm` for a cache directory), or a
   * function read at `load` (the cache location is known only at start); undefined keeps the
   * marks in memory only.
   */
  path: string | (() => string) | undefined
  /** CLEF_AGENT_ALLOW_ROLLBACK: nothing is refused and the mark follows the accepted revision. */
  allowRollback: boolean
  logger: Logger
}

/**
 * The high-water marks of one agent. Revisions without the `<ms>-<hex>` form claim no order:
 * they are never refused for it and never become a mark.
 */
export interface HighWater {
  /**
   * Reads the stored marks (once, at start). Never rejects: a file that cannot be read or is
   * malformed is logged and resolved as an AgentError `rollback_marks_corrupt` for the caller to
   * report (metric, `lastError`); the agent then starts without those marks. Resolves undefined
   * when the marks loaded (or there is no file yet).
   */
  load(): Promise<AgentError | undefined>
  /**
   * Throws AgentError `rollback` when `artifact` is older than its mark, and `expired` or
   * `revoked` when it is the marked revision that was wiped for that reason.
   */
  check(artifact: PackedArtifact): void
  /** Records an accepted artifact: raises its mark (sets it, when rollback is allowed). */
  record(artifact: PackedArtifact): void
  /** Notes that the marked revision `artifact` was wiped (expiry, revocation). */
  wiped(artifact: PackedArtifact, code: WipeCode): void
  /** Writes the marks atomically (0600) when they changed. Failures are logged. Never rejects. */
  save(): Promise<void>
}

const isWipeCode = (v: unknown): v is WipeCode => v === ErrorCode.Expired || v === ErrorCode.Revoked

const isMark = (v: unknown): v is Mark => {
  if (typeof v !== 'object' || v === null) return false
  const m = v as Record<string, unknown>
  const strings = [m['identity'], m['environment'], m['revision']].every((s) => typeof s === 'string')
  return (
    strings &&
    revisionTime(String(m['revision'])) !== undefined &&
    (m['wiped'] === undefined || isWipeCode(m['wiped']))
  )
}

/** The marks of a `.hwm` file, or undefined when it is not one. */
const parseMarks = (text: string): Mark[] | undefined => {
  try {
    const doc = JSON.parse(text) as { version?: unknown; marks?: unknown }
    if (doc.version !== 1 || !Array.isArray(doc.marks) || !doc.marks.every(isMark)) return undefined
    return doc.marks
  } catch {
    return undefined
  }
}

const describeLineage = (a: Pick<PackedArtifact, 'identity' | 'environment'>): string =>
  `${a.identity}/${a.environment}`

/** Creates the {@link HighWater} of one agent. Does no I/O until `load` or `save`. */
export const createHighWater = ({ path, allowRollback, logger }: HighWaterOptions): HighWater => {
  const marks = new Map<string, Mark>()
  let file: DiskCache | undefined
  const open = (): DiskCache | undefined => {
    if (path === undefined) return undefined
    file ??= createDiskCache({ path: typeof path === 'string' ? path : path() })
    return file
  }
  const serialize = (): string => JSON.stringify({ version: 1, marks: [...marks.values()] })
  let saved = serialize()
  // Saves run one after another, each writing the marks as they are when it runs: an older
  // snapshot can never land after a newer one.
  let queue = Promise.resolve()

  const refuse = (artifact: PackedArtifact, mark: Mark): never => {
    if (mark.revision === artifact.revision && mark.wiped !== undefined) {
      const why = mark.wiped === ErrorCode.Expired ? 'was wiped at its expiry' : 'was revoked'
      throw new AgentError(mark.wiped, `revision ${artifact.revision} ${why}; it is not served again`, {
        hint: 'pack a new revision',
      })
    }
    throw new AgentError(
      ErrorCode.Rollback,
      `revision ${artifact.revision} is older than revision ${mark.revision} already accepted for ${describeLineage(artifact)}`,
      { hint: 'set CLEF_AGENT_ALLOW_ROLLBACK=true to accept an older artifact on purpose' },
    )
  }

  const write = async (): Promise<void> => {
    const text = serialize()
    const file = open()
    if (file === undefined || text === saved) return
    try {
      await file.write(text)
      saved = text
    } catch (e) {
      logger.warn('rollback marks could not be written', { path: file.path, message: String(e) })
    }
  }

  // Losing the marks turns rollback protection off until the next accepted artifact: say so loudly.
  const corrupt = (why: string, logLine: string, message?: string): AgentError => {
    const path = file?.path ?? ''
    logger.error(logLine, {
      code: ErrorCode.RollbackMarksCorrupt,
      path,
      ...(message === undefined ? {} : { message }),
    })
    return new AgentError(
      ErrorCode.RollbackMarksCorrupt,
      `rollback marks ${path} ${why}: rollback protection starts over from the next accepted artifact`,
      { hint: 'check who or what changed the file; it is rewritten at the next accepted artifact' },
    )
  }

  const read = async (): Promise<AgentError | undefined> => {
    const file = open()
    if (file === undefined) return undefined
    let text: string | undefined
    try {
      text = await file.read()
    } catch (e) {
      return corrupt(
        'could not be read',
        'rollback marks could not be read; starting without them',
        String(e),
      )
    }
    if (text === undefined) return undefined
    const stored = parseMarks(text)
    if (stored === undefined) {
      return corrupt('are malformed', 'rollback marks file is malformed; starting without it')
    }
    for (const mark of stored) marks.set(lineageOf(mark), mark)
    saved = serialize()
    logger.debug('rollback marks loaded', { path: file.path, marks: stored.length })
    return undefined
  }

  return {
    load: async () => {
      if (allowRollback) {
        logger.warn(
          'rollback protection is off (CLEF_AGENT_ALLOW_ROLLBACK=true): older artifacts are accepted',
        )
      }
      return read()
    },
    check: (artifact) => {
      const mark = marks.get(lineageOf(artifact))
      if (allowRollback || mark === undefined) return
      const order = compareRevisions(artifact.revision, mark.revision)
      if (order === undefined) return
      if (order < 0 || (mark.revision === artifact.revision && mark.wiped !== undefined))
        refuse(artifact, mark)
    },
    record: (artifact) => {
      const { identity, environment, revision } = artifact
      if (revisionTime(revision) === undefined) return
      const key = lineageOf(artifact)
      const mark = marks.get(key)
      if (mark === undefined || allowRollback || (compareRevisions(revision, mark.revision) ?? 0) >= 0) {
        marks.set(key, { identity, environment, revision })
      }
    },
    wiped: (artifact, code) => {
      const key = lineageOf(artifact)
      const mark = marks.get(key)
      if (mark?.revision === artifact.revision) marks.set(key, { ...mark, wiped: code })
    },
    save: () => {
      queue = queue.then(write)
      return queue
    },
  }
}
