// Temp dirs for tests, removed on dispose: `await using dir = await tempDir()`.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A temporary directory that removes itself when disposed. */
export interface TempDir extends AsyncDisposable {
  readonly path: string
  /** Absolute path of `name` inside the directory. */
  file(name: string): string
}

/** Creates a fresh temporary directory under the OS temp dir. */
export const tempDir = async (prefix = 'clef-agent-test-'): Promise<TempDir> => {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return {
    path,
    file: (name) => join(path, name),
    [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }),
  }
}
