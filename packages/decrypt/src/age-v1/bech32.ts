// Decodes the Bech32 (BIP 173) strings age uses for identities, so the X25519 scalar can be handed
// to node:crypto, with the checksum verified; age keys exceed BIP 173's 90-char cap. The encoder
// exists for tests that need well-formed keys of the wrong shape.

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]

const polymod = (values: readonly number[]): number => {
  let chk = 1
  for (const v of values) {
    const top = chk >>> 25
    chk = ((chk & 0x1ffffff) << 5) ^ v
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i] as number
  }
  return chk
}

const expandHrp = (hrp: string): number[] => [
  ...Array.from(hrp, (c) => c.charCodeAt(0) >>> 5),
  0,
  ...Array.from(hrp, (c) => c.charCodeAt(0) & 31),
]

/**
 * Regroups `values` of `from` bits into words of `to` bits (BIP 173's convertbits). Returns the
 * words, the bits left over and their count, for the caller's padding rule.
 */
const regroup = (values: Iterable<number>, from: number, to: number) => {
  const out: number[] = []
  const mask = (1 << to) - 1
  let acc = 0
  let bits = 0
  for (const v of values) {
    acc = ((acc << from) | v) & 0xffff
    bits += from
    while (bits >= to) {
      bits -= to
      out.push((acc >>> bits) & mask)
    }
  }
  return { out, rest: (acc << (to - bits)) & mask, bits }
}

/** Regroups 5-bit words into bytes; rejects non-zero padding as BIP 173 requires. */
const toBytes = (words: readonly number[]): Uint8Array | undefined => {
  const { out, rest, bits } = regroup(words, 5, 8)
  const bytes = bits >= 5 || rest !== 0 ? undefined : Uint8Array.from(out)
  // The data is a secret key: leave no copy behind in the scratch array.
  out.fill(0)
  return bytes
}

/**
 * Decodes `s` (all upper or all lower case) into its human-readable prefix (lower case) and data
 * bytes; undefined when it is not valid Bech32.
 */
export const decodeBech32 = (s: string): { prefix: string; bytes: Uint8Array } | undefined => {
  if (s !== s.toLowerCase() && s !== s.toUpperCase()) return undefined
  const lower = s.toLowerCase()
  const sep = lower.lastIndexOf('1')
  if (sep < 1 || lower.length - sep - 1 < 6) return undefined
  const prefix = lower.slice(0, sep)
  const words: number[] = []
  for (const c of lower.slice(sep + 1)) {
    const w = CHARSET.indexOf(c)
    if (w < 0) return undefined
    words.push(w)
  }
  if (polymod([...expandHrp(prefix), ...words]) !== 1) return undefined
  const bytes = toBytes(words.slice(0, -6))
  words.fill(0)
  return bytes === undefined ? undefined : { prefix, bytes }
}

/** Encodes `bytes` under `prefix` (lower case) as upper-case Bech32, the way age writes identities. */
export const encodeBech32 = (prefix: string, bytes: Uint8Array): string => {
  const { out: words, rest, bits } = regroup(bytes, 8, 5)
  if (bits > 0) words.push(rest)
  const chk = polymod([...expandHrp(prefix), ...words, 0, 0, 0, 0, 0, 0]) ^ 1
  for (let i = 5; i >= 0; i--) words.push((chk >>> (5 * i)) & 31)
  return `${prefix}1${words.map((w) => CHARSET.charAt(w)).join('')}`.toUpperCase()
}
