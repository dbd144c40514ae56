// A small zip writer (stored directories, deflated files, Unix modes) with node:zlib only, so the
// layer builds on a machine with nothing but Node. Timestamps are fixed: same input, same bytes.
import * as zlib from 'node:zlib'
import { writeFile } from 'node:fs/promises'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

/** CRC-32 of `data` (zlib.crc32 where this Node has it). */
export const crc32 = (data) => {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(data)
  let c = 0xffffffff
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

// 2020-01-01 00:00 in MS-DOS date/time fields.
const DOS_TIME = 0
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1
const UTF8_NAMES = 0x0800
const MADE_BY_UNIX = (3 << 8) | 20

const localHeader = (e) => {
  const h = Buffer.alloc(30)
  h.writeUInt32LE(0x04034b50, 0)
  h.writeUInt16LE(20, 4)
  h.writeUInt16LE(UTF8_NAMES, 6)
  h.writeUInt16LE(e.method, 8)
  h.writeUInt16LE(DOS_TIME, 10)
  h.writeUInt16LE(DOS_DATE, 12)
  h.writeUInt32LE(e.crc, 14)
  h.writeUInt32LE(e.packed.length, 18)
  h.writeUInt32LE(e.size, 22)
  h.writeUInt16LE(e.name.length, 26)
  return Buffer.concat([h, e.name])
}

const centralHeader = (e) => {
  const h = Buffer.alloc(46)
  h.writeUInt32LE(0x02014b50, 0)
  h.writeUInt16LE(MADE_BY_UNIX, 4)
  h.writeUInt16LE(20, 6)
  h.writeUInt16LE(UTF8_NAMES, 8)
  h.writeUInt16LE(e.method, 10)
  h.writeUInt16LE(DOS_TIME, 12)
  h.writeUInt16LE(DOS_DATE, 14)
  h.writeUInt32LE(e.crc, 16)
  h.writeUInt32LE(e.packed.length, 20)
  h.writeUInt32LE(e.size, 24)
  h.writeUInt16LE(e.name.length, 28)
  // Unix mode in the high half; 0x10 is the MS-DOS directory flag.
  h.writeUInt32LE(((e.mode << 16) | (e.dir ? 0x10 : 0)) >>> 0, 38)
  h.writeUInt32LE(e.offset, 42)
  return Buffer.concat([h, e.name])
}

const endOfCentralDirectory = (count, size, offset) => {
  const h = Buffer.alloc(22)
  h.writeUInt32LE(0x06054b50, 0)
  h.writeUInt16LE(count, 8)
  h.writeUInt16LE(count, 10)
  h.writeUInt32LE(size, 12)
  h.writeUInt32LE(offset, 16)
  return h
}

const prepare = (entry) => {
  const dir = entry.name.endsWith('/')
  const data = dir ? Buffer.alloc(0) : entry.data
  const packed = dir ? data : zlib.deflateRawSync(data, { level: 6 })
  const type = dir ? 0o040000 : 0o100000
  return {
    name: Buffer.from(entry.name),
    dir,
    size: data.length,
    crc: crc32(data),
    packed,
    method: dir ? 0 : 8,
    mode: type | entry.mode,
  }
}

/**
 * Writes the zip `path` holding `entries` in order: `{ name, data, mode }` for a file, `{ name: 'dir/',
 * mode }` for a directory. Sizes must stay under 4 GiB (no zip64).
 */
export const writeZip = async (path, entries) => {
  const parts = []
  const central = []
  let offset = 0
  for (const e of entries.map(prepare)) {
    e.offset = offset
    const header = localHeader(e)
    parts.push(header, e.packed)
    offset += header.length + e.packed.length
    central.push(centralHeader(e))
  }
  const directory = Buffer.concat(central)
  await writeFile(
    path,
    Buffer.concat([...parts, directory, endOfCentralDirectory(central.length, directory.length, offset)]),
  )
}
