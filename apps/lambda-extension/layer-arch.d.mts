// Types of layer-arch.mjs (a build script in plain JavaScript), for the layer test.

/** Lambda's architecture of a layer. */
export type LambdaArch = 'x86_64' | 'arm64'
/** The Lambda architecture to build for; throws unless it is this machine's (`nodeArch`). */
export declare const layerArch: (requested: string | undefined, nodeArch?: string) => LambdaArch
/** Throws unless `binary` is an ELF executable for `arch`. */
export declare const checkElfArch: (binary: Buffer, arch: string) => void
