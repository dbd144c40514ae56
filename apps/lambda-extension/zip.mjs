// Writes the Lambda layer zip with yazl (a maintained zip writer on node:zlib), keeping the output
// deterministic: same input, same bytes, on any machine and in any time zone. Every entry gets one
// fixed DOS timestamp and no extended-timestamp field (that one would carry the build's clock).
import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import yazl from 'yazl'

// yazl writes DOS time from a Date's local fields: a local-time Date gives 2020-01-01 00:00 in
// every time zone, where a UTC instant would shift with TZ.
const FIXED_TIME = new Date(2020, 0, 1, 0, 0, 0)

/**
 * Writes the zip `path` holding `entries` in order: `{ name, data, mode }` for a file (deflated),
 * `{ name: 'dir/', mode }` for a directory; `mode` is the permission bits (the file type is added).
 * Resolves once the file is complete; rejects on a write error.
 */
export const writeZip = async (path, entries) => {
  const zip = new yazl.ZipFile()
  for (const entry of entries) {
    const common = { mtime: FIXED_TIME, forceDosTimestamp: true }
    if (entry.name.endsWith('/')) {
      zip.addEmptyDirectory(entry.name, { ...common, mode: 0o040000 | entry.mode })
    } else {
      zip.addBuffer(entry.data, entry.name, { ...common, mode: 0o100000 | entry.mode, compressionLevel: 6 })
    }
  }
  zip.end()
  await pipeline(zip.outputStream, createWriteStream(path))
}
