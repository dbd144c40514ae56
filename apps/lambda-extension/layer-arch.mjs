// The Lambda architecture of a layer build, checked twice: the requested one (`--arch`) must be the
// build machine's (the binary is a copy of this Node), and the binary written must be an ELF file
// for that machine, so an arm64 build can never be published as x86_64 (or the other way round).

/** Lambda's architecture names by Node's `process.arch`. */
const LAMBDA_ARCH = { x64: 'x86_64', arm64: 'arm64' }
/** ELF `e_machine` of each Lambda architecture (EM_X86_64, EM_AARCH64). */
const ELF_MACHINE = { x86_64: 0x3e, arm64: 0xb7 }

/**
 * The Lambda architecture to build for: `requested` (`x86_64` or `arm64`) or, when undefined, this
 * machine's. Throws when it is not this machine's or this machine has no Lambda counterpart.
 */
export const layerArch = (requested, nodeArch = process.arch) => {
  const host = LAMBDA_ARCH[nodeArch]
  if (requested !== undefined && !(requested in ELF_MACHINE)) {
    throw new Error(`--arch ${requested}: expected x86_64 or arm64`)
  }
  if (host === undefined)
    throw new Error(`cannot build a Lambda layer on ${nodeArch}: build on x86_64 or arm64`)
  if (requested !== undefined && requested !== host) {
    throw new Error(
      `--arch ${requested}: this machine is ${host}; build the ${requested} layer on ${requested}`,
    )
  }
  return host
}

/** Throws unless `binary` (a Buffer) is a 64-bit little-endian ELF executable for `arch`. */
export const checkElfArch = (binary, arch) => {
  const isElf = binary.subarray(0, 4).toString('latin1') === '\x7fELF'
  const machine = isElf ? binary.readUInt16LE(18) : -1
  if (machine !== ELF_MACHINE[arch]) {
    throw new Error(
      `the layer binary is not an ${arch} ELF executable (e_machine ${machine}); refusing to label it ${arch}`,
    )
  }
}
