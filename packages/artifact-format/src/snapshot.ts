// One revision's secrets as the agent hands them to whoever serves them (the HTTP API, a worker),
// and the one JSON form of those values. Both sides import it from here, below them: the agent
// never builds a response body, and the API never needs the agent to know what a body looks like.
import type { SecretValues } from './types.ts'

/** The secrets of one revision, as the agent serves them. Never modified once handed out. */
export interface SecretsSnapshot {
  readonly revision: string
  /** `{ namespace: { key: value } }`; may be parsed on first read (JIT mode). */
  readonly values: SecretValues
  /**
   * The exact bytes of {@link valuesJson}`(values)`, when the agent holds them already (JIT mode:
   * the decrypted plaintext, when the packer wrote it in that form, as Clef's does). A server may
   * write them as they are instead of serializing `values`.
   */
  readonly json?: Uint8Array | undefined
  /**
   * Present when `json` lives in memory that is zeroed and reused once nobody needs it (JIT
   * mode): whoever writes it calls `hold()` first, in the turn the snapshot was handed out, and
   * calls the function it returns once it is done with the bytes.
   */
  readonly hold?: (() => () => void) | undefined
}

const encoder = new TextEncoder()

/** The JSON form of `values` (UTF-8, their own order): the body of `GET /v1/secrets`. */
export const valuesJson = (values: SecretValues): Uint8Array => encoder.encode(JSON.stringify(values))
