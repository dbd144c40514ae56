// Limits and decoding shared by every source: each outbound call has a timeout, each body a
// size cap, and every body is strict UTF-8 (an artifact is UTF-8 JSON, docs/SPEC.md §1).

/** Default timeout of one fetch, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 10_000

/** Default size cap of one artifact, in bytes (16 MiB). */
export const DEFAULT_MAX_BYTES: number = 16 * 1024 * 1024

/**
 * Decodes strict UTF-8 (a leading BOM is dropped, as JSON.parse would reject it). Returns
 * undefined for malformed bytes, which would otherwise turn into U+FFFD silently.
 */
export const decodeUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}
