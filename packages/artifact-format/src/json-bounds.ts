// A linear scan of JSON text before JSON.parse sees it. JSON.parse has no depth or size limits:
// 7 million nested `[]` (14 MB, under the source cap) cost seconds and hundreds of MB. An envelope
// is two levels deep and a plaintext exactly two, so deeper text is refused in milliseconds.

/** Options of {@link scanJson}. */
export interface JsonBounds {
  /** Deepest nesting of objects and arrays allowed (the top-level object is depth 1). */
  maxDepth: number
  /**
   * Largest text of one top-level member's value, in UTF-16 units, for names not in
   * `unbounded`. Default: no limit.
   */
  maxMemberChars?: number
  /** Top-level names whose values may be of any size (e.g. `ciphertext`). */
  unbounded?: ReadonlySet<string>
}

/** What the scan saw: how many object keys in all, and the top-level names in order. */
export interface JsonScan {
  /** Every key of every object, duplicates included. */
  readonly keys: number
  readonly topLevel: readonly string[]
}

/** Why a text broke a bound; the caller turns it into its own error code. */
export class JsonBoundsError extends Error {
  override name = 'JsonBoundsError'
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const OPENERS = new Set([0x5b, 0x7b])
const CLOSERS = new Set([0x5d, 0x7d])
const OPEN_OBJECT = 0x7b

/**
 * Scans `text` in one pass without building anything: nesting depth, and the size of each
 * top-level member. Malformed JSON is left to JSON.parse (the scan only counts brackets outside
 * strings). Throws {@link JsonBoundsError} naming the bound broken, never quoting the text.
 */
export const scanJson = (text: string, bounds: JsonBounds): JsonScan => {
  const topLevel: string[] = []
  // Per open container: is it an object, and is its next string a key?
  const isObject: boolean[] = []
  const expectKey: boolean[] = []
  let keys = 0
  let member: { name: string; start: number } | undefined
  const endMember = (at: number): void => {
    if (member === undefined) return
    const limit = bounds.maxMemberChars
    if (limit !== undefined && !(bounds.unbounded?.has(member.name) ?? false) && at - member.start > limit) {
      throw new JsonBoundsError(`top-level field of ${at - member.start} characters (limit ${limit})`)
    }
    member = undefined
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const depth = isObject.length
    if (c === QUOTE) {
      const start = i
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++)
        if (text.charCodeAt(i) === BACKSLASH) i++
      if (depth > 0 && isObject[depth - 1] === true && expectKey[depth - 1] === true) {
        keys++
        expectKey[depth - 1] = false
        if (depth === 1) {
          // A name that long is no field of ours: it stays nameless, and so bounded.
          const name = i - start > 1024 ? '' : decodeName(text.slice(start, i + 1))
          topLevel.push(name)
          member = { name, start: i + 1 }
        }
      }
    } else if (OPENERS.has(c)) {
      if (depth + 1 > bounds.maxDepth) throw new JsonBoundsError(`nesting deeper than ${bounds.maxDepth}`)
      isObject.push(c === OPEN_OBJECT)
      expectKey.push(c === OPEN_OBJECT)
    } else if (CLOSERS.has(c)) {
      if (depth === 1) endMember(i)
      isObject.pop()
      expectKey.pop()
    } else if (c === COMMA && depth > 0) {
      if (depth === 1) endMember(i)
      if (isObject[depth - 1] === true) expectKey[depth - 1] = true
    } else if (c === COLON && depth === 1 && member !== undefined) {
      member.start = i + 1
    }
  }
  return { keys, topLevel }
}

const decodeName = (quoted: string): string => {
  try {
    return String(JSON.parse(quoted))
  } catch {
    return ''
  }
}
