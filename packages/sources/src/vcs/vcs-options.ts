// What the GitHub, GitLab and Bitbucket sources share: their options, the artifact's place in the
// repository (docs/SPEC.md §5) and the checks that turn a bad setting into config_invalid at construction.
import { AgentError, ErrorCode, noopLogger, type Logger } from '@clef-sh/errors'
import { guardRedirects } from '../http/guarded-fetch.ts'
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS } from '../limits.ts'
import { VCS_RULES, type VcsKind, type VcsRules } from './vcs-providers.ts'

/** Options of every VCS source. */
export interface VcsSourceOptions {
  /** GitHub `owner/repo`, Bitbucket `workspace/repo_slug`, GitLab project path or numeric id. */
  repo: string
  /** The service identity: one path segment of `.clef/packed/<identity>/<environment>.age.json`. */
  identity: string
  /** The environment: one path segment, like `identity`. */
  environment: string
  /** Access token. It goes only into the auth header: never into a URL, message or log line. */
  token: string
  /** Branch, tag or commit. Default `main`. */
  ref?: string | undefined
  /** The provider's API base (docs/SPEC.md §5); the default is the provider's cloud service. */
  apiUrl?: string | undefined
  /** Timeout of one fetch, every request and body included. Default 10 s. */
  timeoutMs?: number | undefined
  /** Size cap of the artifact in bytes. Default 16 MiB. */
  maxBytes?: number | undefined
  /** Default the global fetch. */
  fetch?: typeof fetch | undefined
  /** Debug line per answer (status). Default: drop everything. */
  logger?: Logger | undefined
  /** Clock for Retry-After and rate-limit resets, epoch ms. Default `Date.now`. */
  now?: (() => number) | undefined
}

/** The settings of a VCS source, checked and defaulted once. */
export interface ResolvedVcs {
  repo: string
  /** `.clef/packed/<identity>/<environment>.age.json` */
  path: string
  ref: string
  /** Without a trailing slash. */
  apiUrl: string
  token: string
  timeoutMs: number
  maxBytes: number
  /** The caller's fetch, wrapped by `guardRedirects`. */
  fetch: typeof fetch
  logger: Logger
  now: () => number
  /** `<kind>:<repo>/<path>@<ref>`: no host, no token. */
  describe: string
  /** The hint of a 401/403: the token scope this provider needs. */
  authHint: string
}

/** Where `clef pack` puts the artifact of `identity` in `environment`. */
export const artifactPath = (identity: string, environment: string): string =>
  `.clef/packed/${identity}/${environment}.age.json`

// A name becomes one path segment: a `/` or `..` in it would read some other file of the repository.
const isSegment = (s: string): boolean => s !== '' && s !== '.' && s !== '..' && !/[/\\\p{Cc}]/u.test(s)

const invalid = (rules: VcsRules, detail: string): AgentError =>
  new AgentError(ErrorCode.ConfigInvalid, `${rules.kind} source: ${detail}`)

const parseApiUrl = (rules: VcsRules, raw: string): string => {
  let u: URL
  try {
    u = new URL(raw)
  } catch (cause) {
    throw new AgentError(ErrorCode.ConfigInvalid, `${rules.kind} source: apiUrl is not a valid URL`, {
      cause,
    })
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw invalid(rules, `unsupported apiUrl scheme "${u.protocol}"`)
  if (u.username !== '' || u.password !== '')
    throw invalid(rules, 'apiUrl must not carry credentials: use the token')
  if (u.search !== '' || u.hash !== '') throw invalid(rules, 'apiUrl must not have a query or fragment')
  return u.toString().replace(/\/+$/, '')
}

/**
 * Checks and defaults `opts` by the rules of `kind` ({@link VCS_RULES}). Throws AgentError `config_invalid` for a malformed repo, an identity
 * or environment that is not a single path segment, an empty token or ref, or a bad apiUrl. No
 * message echoes the token.
 */
export const resolveVcs = (opts: VcsSourceOptions, kind: VcsKind): ResolvedVcs => {
  const rules: VcsRules = VCS_RULES[kind]
  if (!rules.repoPattern.test(opts.repo)) throw invalid(rules, `repo must be ${rules.repoShape}`)
  if (!isSegment(opts.identity)) throw invalid(rules, 'identity must be a non-empty name without "/"')
  if (!isSegment(opts.environment)) throw invalid(rules, 'environment must be a non-empty name without "/"')
  if (opts.token === '') throw invalid(rules, 'a token is required')
  const ref = opts.ref ?? 'main'
  if (ref === '' || /\s/.test(ref)) throw invalid(rules, 'ref must be a branch, tag or commit name')
  const path = artifactPath(opts.identity, opts.environment)
  const describe = `${rules.kind}:${opts.repo}/${path}@${ref}`
  return {
    repo: opts.repo,
    path,
    ref,
    apiUrl: parseApiUrl(rules, opts.apiUrl ?? rules.defaultApiUrl),
    token: opts.token,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    // Every VCS request carries the token: redirects stay on the API's https origin.
    fetch: guardRedirects(opts.fetch ?? fetch, { credentialed: true, source: describe }),
    logger: opts.logger ?? noopLogger,
    now: opts.now ?? Date.now,
    describe,
    authHint: rules.authHint,
  }
}
