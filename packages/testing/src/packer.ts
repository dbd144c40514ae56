// A fresh age key with a packer bound to it: the agent suites publish one artifact after another
// for the same key, with revisions taken from the test's (fake) clock so they order as time does.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createAgeKey, newRevision, packArtifact, type PackOptions } from './pack.ts'

/** Packs artifacts for one age key. */
export interface Packer {
  identity: string
  recipient: string
  pack(values: PackOptions['values'], opts?: Omit<PackOptions, 'values' | 'recipient'>): Promise<string>
}

/** An age key pair and a packer bound to it, with revisions and times from `clock`. */
export const createPacker = async (clock: { now(): number }): Promise<Packer> => {
  const key = await createAgeKey()
  const pack: Packer['pack'] = (values, opts = {}) =>
    packArtifact({ recipient: key.recipient, revision: newRevision(clock.now()), values, ...opts })
  return { identity: key.identity, recipient: key.recipient, pack }
}

/** Writes `text` where a file source reads it: `<dir>/<name>`, `artifact.json` by default. */
export const writeArtifact = (dir: string, text: string, name = 'artifact.json'): Promise<void> =>
  writeFile(join(dir, name), text)
