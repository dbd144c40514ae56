// Parses the textual header of a binary age v1 file (C2SP age spec, "Header") straight from the
// bytes, without streams. It accepts only the spec's ABNF: anything else is a malformed header.
import { ageFailure } from './age-failure.ts'
import { decodeBase64 } from './base64.ts'

/** One recipient stanza: `args[0]` is its type (`X25519`, `mlkem768x25519`, …). */
export interface AgeStanza {
  readonly args: readonly string[]
  readonly body: Buffer
}

/** A parsed header. `macInput` is the header up to and including `---`, what the MAC covers. */
export interface AgeHeader {
  readonly stanzas: readonly AgeStanza[]
  readonly macInput: Uint8Array
  readonly mac: Buffer
  /** Offset of the payload (its nonce) in the file. */
  readonly payloadOffset: number
}

/** Bounds on hostile input: each stanza may cost an X25519 operation, each line a scan. */
export const MAX_HEADER_BYTES: number = 1024 * 1024
export const MAX_STANZAS: number = 1024

const VERSION_LINE = 'age-encryption.org/v1'
const ARGUMENT = /^[\x21-\x7e]+$/
const FULL_LINE = 64
const MAC_CHARS = 43

/** Reads the header's lines, each without its LF; a header without one within the cap is invalid. */
const createLineReader = (file: Uint8Array) => {
  const bytes = Buffer.from(file.buffer, file.byteOffset, Math.min(file.byteLength, MAX_HEADER_BYTES))
  let pos = 0
  return {
    get start(): number {
      return pos
    },
    next(): string {
      const lf = bytes.indexOf(0x0a, pos)
      if (lf < 0) return ageFailure('invalid header: truncated or too large')
      const line = bytes.toString('latin1', pos, lf)
      pos = lf + 1
      return line
    },
  }
}

type LineReader = ReturnType<typeof createLineReader>

/** The body lines: full 64-column lines, then one shorter (maybe empty) final line. */
const readBody = (lines: LineReader): Buffer => {
  const parts: Buffer[] = []
  for (;;) {
    const line = lines.next()
    const part = line.length <= FULL_LINE ? decodeBase64(line) : undefined
    if (part === undefined) return ageFailure('invalid header: malformed stanza body')
    parts.push(part)
    if (line.length < FULL_LINE) return parts.length === 1 ? part : Buffer.concat(parts)
  }
}

const readStanza = (argLine: string, lines: LineReader): AgeStanza => {
  const args = argLine.slice(3).split(' ')
  if (!args.every((a) => ARGUMENT.test(a))) ageFailure('invalid header: malformed stanza arguments')
  return { args, body: readBody(lines) }
}

/**
 * Parses the header at the start of a binary age file. Throws AgentError `decrypt` for anything
 * off the spec: wrong version, malformed or non-canonical stanzas or MAC, no stanza, a scrypt
 * stanza next to another, or a header
 * larger than {@link MAX_HEADER_BYTES} / with more than {@link MAX_STANZAS} stanzas.
 */
export const parseAgeHeader = (file: Uint8Array): AgeHeader => {
  const lines = createLineReader(file)
  if (lines.next() !== VERSION_LINE) ageFailure('invalid header: not an age v1 file')
  const stanzas: AgeStanza[] = []
  for (;;) {
    const lineStart = lines.start
    const line = lines.next()
    if (line.startsWith('-> ')) {
      if (stanzas.length === MAX_STANZAS) ageFailure('invalid header: too many stanzas')
      stanzas.push(readStanza(line, lines))
      continue
    }
    if (!line.startsWith('--- ')) return ageFailure('invalid header: unexpected line')
    const mac = line.length === 4 + MAC_CHARS ? decodeBase64(line.slice(4)) : undefined
    if (mac === undefined) return ageFailure('invalid header: malformed MAC')
    if (stanzas.length === 0) return ageFailure('invalid header: no recipient stanza')
    // The age spec: a scrypt stanza must be the only one. A passphrase file that also names other
    // recipients is malformed, refused before any stanza is tried (the agent takes no passphrase).
    if (stanzas.length > 1 && stanzas.some((s) => s.args[0] === 'scrypt'))
      return ageFailure('invalid header: a scrypt stanza must be alone')
    return { stanzas, macInput: file.subarray(0, lineStart + 3), mac, payloadOffset: lines.start }
  }
}
