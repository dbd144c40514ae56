// A minimal zip reader for the layer test, written independently of the writer (zip.mjs) so the
// two check each other: central directory, Unix modes, stored and deflated entries, CRC-32.
import { crc32, inflateRawSync } from 'node:zlib'

/** One entry of a zip archive. */
export interface ZipEntry {
  name: string
  /** Unix mode (type and permission bits) from the external attributes. */
  mode: number
  data: Buffer
}

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

const findEnd = (zip: Buffer): number => {
  for (let at = zip.length - 22; at >= 0; at--) if (zip.readUInt32LE(at) === EOCD) return at
  throw new Error('not a zip: no end of central directory')
}

interface Located {
  offset: number
  method: number
  packedSize: number
}

const readData = (zip: Buffer, { offset, method, packedSize }: Located): Buffer => {
  if (zip.readUInt32LE(offset) !== LOCAL) throw new Error(`no local header at ${offset}`)
  const start = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28)
  const packed = zip.subarray(start, start + packedSize)
  if (method === 0) return Buffer.from(packed)
  if (method === 8) return inflateRawSync(packed)
  throw new Error(`unsupported method ${method}`)
}

/** Every entry of `zip`, in central-directory order; throws on a CRC or size mismatch. */
export const readZip = (zip: Buffer): ZipEntry[] => {
  const end = findEnd(zip)
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const entries: ZipEntry[] = []
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error(`bad central header ${i}`)
    const method = zip.readUInt16LE(at + 10)
    const crc = zip.readUInt32LE(at + 16)
    const packedSize = zip.readUInt32LE(at + 20)
    const size = zip.readUInt32LE(at + 24)
    const nameLength = zip.readUInt16LE(at + 28)
    const skip = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)
    const mode = zip.readUInt32LE(at + 38) >>> 16
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength)
    const data = readData(zip, { offset: zip.readUInt32LE(at + 42), method, packedSize })
    if (data.length !== size || crc32(data) !== crc) throw new Error(`${name}: size or CRC mismatch`)
    entries.push({ name, mode, data })
    at += 46 + nameLength + skip
  }
  return entries
}
