// Reads a response body under a size cap, stopping (and cancelling the transfer) at the first
// chunk past the cap, so an oversized or endless body never sits in memory.

/**
 * The body's bytes, or `undefined` once more than `maxBytes` arrived (the stream is then
 * cancelled). Stream errors (abort, reset) are rethrown for the caller to map.
 */
export const readCappedBody = async (
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array | undefined> => {
  if (body === null) return new Uint8Array()
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return Buffer.concat(chunks, size)
    size += value.byteLength
    if (size > maxBytes) {
      reader.cancel().catch(() => {})
      return undefined
    }
    chunks.push(value)
  }
}

/** Drops a body we will not read, so the connection can be reused or closed. */
export const discardBody = (res: Response): void => {
  res.body?.cancel().catch(() => {})
}
