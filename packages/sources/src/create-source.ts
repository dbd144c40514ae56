// Picks the source once, from the parsed configuration (docs/DESIGN.md: pick once, not per call).
// Later kinds (s3, github, gitlab, bitbucket) join the union and the switch.
import { AgentError, ErrorCode, type Logger } from '@clef-sh/errors'
import { BitbucketSource } from './bitbucket/bitbucket-source.ts'
import { FileSource } from './file/file-source.ts'
import { GitHubSource } from './github/github-source.ts'
import { GitLabSource } from './gitlab/gitlab-source.ts'
import { HttpSource } from './http/http-source.ts'
import { S3Source } from './s3/s3-source.ts'
import type { ArtifactSource } from './source.ts'

/** Where the artifact comes from, as parsed from the configuration. */
export type SourceConfig =
  | { kind: 'file'; path: string }
  | { kind: 'http'; url: string; headers?: Record<string, string> }
  | { kind: 's3'; bucket: string; key: string; region?: string; endpoint?: string; forcePathStyle?: boolean }
  | {
      kind: 'github' | 'gitlab' | 'bitbucket'
      repo: string
      identity: string
      environment: string
      token: string
      ref?: string
      apiUrl?: string
    }

/** Settings shared by every source kind. */
export interface SourceDefaults {
  /** Timeout of one fetch in ms. Default 10 000. */
  timeoutMs?: number
  /** Size cap of one artifact in bytes. Default 16 MiB. */
  maxBytes?: number
  /** The fetch used by HTTP-based sources (tests inject one). Default the global fetch. */
  fetch?: typeof fetch
  /** Debug lines per answer (status, attempts). Default: drop everything. */
  logger?: Logger
}

/**
 * Builds the source for `config`. Does no I/O: SDKs and API clients load on the first fetch.
 * Throws AgentError `config_invalid` for an unusable config (a non-http(s) URL, a bad VCS repo,
 * identity, environment, token, ref or apiUrl, an unknown kind).
 */
export const createSource = (config: SourceConfig, defaults: SourceDefaults = {}): ArtifactSource => {
  switch (config.kind) {
    case 'file':
      return new FileSource({ path: config.path, maxBytes: defaults.maxBytes, timeoutMs: defaults.timeoutMs })
    case 'http':
      return new HttpSource({ ...defaults, url: config.url, headers: config.headers })
    case 's3': {
      const { bucket, key, region, endpoint, forcePathStyle } = config
      const { timeoutMs, maxBytes, logger } = defaults
      return new S3Source({ bucket, key, region, endpoint, forcePathStyle, timeoutMs, maxBytes, logger })
    }
    case 'github':
    case 'gitlab':
    case 'bitbucket': {
      const { kind, ...vcs } = config
      if (kind === 'github') return new GitHubSource({ ...defaults, ...vcs })
      if (kind === 'gitlab') return new GitLabSource({ ...defaults, ...vcs })
      return new BitbucketSource({ ...defaults, ...vcs })
    }
    default: {
      const unknown: never = config
      throw new AgentError(
        ErrorCode.ConfigInvalid,
        `unknown source kind "${(unknown as { kind: string }).kind}"`,
      )
    }
  }
}
