// Picks the source once, from the parsed configuration (DESIGN: pick once, not per call).
// Later kinds (s3, github, gitlab, bitbucket) join the union and the switch.
import { AgentError, ErrorCode, type Logger } from '@clef-sh/errors'
import { FileSource } from './file/file-source.ts'
import { HttpSource } from './http/http-source.ts'
import type { ArtifactSource } from './source.ts'

/** Where the artifact comes from, as parsed from the configuration. */
export type SourceConfig =
  { kind: 'file'; path: string } | { kind: 'http'; url: string; headers?: Record<string, string> }

/** Settings shared by every source kind. */
export interface SourceDefaults {
  /** Timeout of one fetch in ms. Default 10 000. */
  timeoutMs?: number
  /** Size cap of one artifact in bytes. Default 16 MiB. */
  maxBytes?: number
  /** The fetch used by HTTP-based sources (tests inject one). Default the global fetch. */
  fetch?: typeof fetch
  logger?: Logger
}

/**
 * Builds the source for `config`. Throws AgentError `config_invalid` for an unusable config
 * (a non-http(s) URL, an unknown kind).
 */
export const createSource = (config: SourceConfig, defaults: SourceDefaults = {}): ArtifactSource => {
  switch (config.kind) {
    case 'file':
      return new FileSource({ path: config.path, maxBytes: defaults.maxBytes })
    case 'http':
      return new HttpSource({ ...defaults, url: config.url, headers: config.headers })
    default: {
      const unknown: never = config
      throw new AgentError(
        ErrorCode.ConfigInvalid,
        `unknown source kind "${(unknown as { kind: string }).kind}"`,
      )
    }
  }
}
