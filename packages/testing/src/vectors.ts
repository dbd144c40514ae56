// The conformance vectors written by Clef's own packer, kept in the repository's test/vectors.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

/** Absolute path of the repository's `test/vectors` folder. */
export const VECTORS_DIR: string = fileURLToPath(new URL('../../../test/vectors/', import.meta.url))

/** The expected outcome of one vector. */
export type VectorExpect =
  | { ok: true; values: Record<string, Record<string, string>>; revision: string }
  | { ok: false; reason: string }

/** One vector of `index.json`. */
export interface Vector {
  name: string
  file: string
  ageKey: string | null
  verifyKey: string | null
  kms: { keyId: string; wrappedKey: string; dek: string } | null
  expect: VectorExpect
  notes: string
}

interface VectorIndex {
  vectors: Vector[]
}

let cached: Vector[] | undefined

/** Every vector of the set, in index order. */
export const loadVectors = (): Vector[] => {
  cached ??= (JSON.parse(readFileSync(join(VECTORS_DIR, 'index.json'), 'utf8')) as VectorIndex).vectors
  return cached
}

/** One vector by name; throws when the set has no such vector. */
export const vector = (name: string): Vector => {
  const v = loadVectors().find((x) => x.name === name)
  if (v === undefined) throw new Error(`no vector named ${name}`)
  return v
}

/** Absolute path of a vector's artifact file. */
export const vectorPath = (v: Vector): string => join(VECTORS_DIR, v.file)

/** The artifact text of a vector, byte for byte. */
export const vectorText = (v: Vector): string => readFileSync(vectorPath(v), 'utf8')
