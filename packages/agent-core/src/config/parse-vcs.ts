// CLEF_AGENT_VCS_* → the GitHub, GitLab or Bitbucket SourceConfig (docs/SPEC.md §5, §8). Every missing or
// malformed piece is its own issue naming its variable; the token is never echoed.
import { createSource, type SourceConfig } from '@clef-sh/sources'
import { isAgentError } from '@clef-sh/errors'
import { readChoice, readHttpUrl, type EnvReader } from './env-reader.ts'

/** The VCS source variables of docs/SPEC.md §8. */
export const VCS_VARIABLES: readonly string[] = [
  'CLEF_AGENT_VCS_PROVIDER',
  'CLEF_AGENT_VCS_REPO',
  'CLEF_AGENT_VCS_TOKEN',
  'CLEF_AGENT_VCS_IDENTITY',
  'CLEF_AGENT_VCS_ENVIRONMENT',
  'CLEF_AGENT_VCS_REF',
  'CLEF_AGENT_VCS_API_URL',
]

type VcsKind = 'github' | 'gitlab' | 'bitbucket'
const PROVIDERS: readonly VcsKind[] = ['github', 'gitlab', 'bitbucket']
const REPO_SHAPES: Record<VcsKind, string> = {
  github: 'owner/repo',
  gitlab: 'a project path like group/project, or a numeric project id',
  bitbucket: 'workspace/repo_slug',
}

/** True when any CLEF_AGENT_VCS_* variable is set. */
export const usesVcs = (r: EnvReader): boolean => VCS_VARIABLES.some((name) => r.get(name) !== undefined)

const required = (r: EnvReader, name: string, what: string): string | undefined => {
  const value = r.get(name)
  if (value === undefined) r.issue(name, `is required for a VCS source: ${what}`)
  return value
}

// Identity and environment become one path segment of `.clef/packed/<identity>/<environment>.age.json`:
// a `/` or `..` would read another file of the repository.
const segment = (r: EnvReader, name: string, what: string): string | undefined => {
  const value = required(r, name, what)
  if (value === undefined) return undefined
  if (value !== '.' && value !== '..' && !/[/\\\p{Cc}]/u.test(value)) return value
  r.issue(name, `must be ${what}: one name without "/", "\\" or control characters`)
  return undefined
}

const parseRef = (r: EnvReader): string | undefined => {
  const ref = r.get('CLEF_AGENT_VCS_REF')
  if (ref === undefined || !/\s/.test(ref)) return ref
  r.issue('CLEF_AGENT_VCS_REF', 'must be a branch, tag or commit name without spaces')
  return undefined
}

const parseApiUrl = (r: EnvReader): string | undefined => {
  const url = readHttpUrl(r, 'CLEF_AGENT_VCS_API_URL')
  if (url === undefined) return undefined
  if (url.username !== '' || url.password !== '') {
    r.issue('CLEF_AGENT_VCS_API_URL', 'must not carry credentials: use CLEF_AGENT_VCS_TOKEN')
    return undefined
  }
  if (url.search !== '' || url.hash !== '') {
    r.issue('CLEF_AGENT_VCS_API_URL', 'must not have a query string or fragment')
    return undefined
  }
  return url.toString()
}

// The adapter is the authority on the repository's shape; building it does no I/O.
const checkRepo = (r: EnvReader, config: SourceConfig & { kind: VcsKind }): SourceConfig | undefined => {
  try {
    createSource(config)
    return config
  } catch (e) {
    if (!isAgentError(e)) throw e
    r.issue('CLEF_AGENT_VCS_REPO', `must be ${REPO_SHAPES[config.kind]} for ${config.kind}`)
    return undefined
  }
}

/**
 * Reads the VCS source from CLEF_AGENT_VCS_*. Records an issue for each missing or malformed
 * variable: PROVIDER (github, gitlab or bitbucket), REPO, TOKEN, IDENTITY and ENVIRONMENT are
 * required; REF and API_URL are optional (the adapters default to `main` and the provider's cloud).
 */
export const parseVcsSource = (r: EnvReader): SourceConfig | undefined => {
  const PROVIDER = 'CLEF_AGENT_VCS_PROVIDER'
  const kind =
    r.get(PROVIDER) === undefined
      ? undefined
      : readChoice<VcsKind | 'none'>(r, PROVIDER, { values: PROVIDERS, fallback: 'none' })
  if (kind === undefined) {
    r.issue(PROVIDER, `is required when CLEF_AGENT_VCS_* variables are set: ${PROVIDERS.join(', ')}`)
  }
  const shape = kind === undefined || kind === 'none' ? '' : `, ${REPO_SHAPES[kind]}`
  const repo = required(r, 'CLEF_AGENT_VCS_REPO', `the repository${shape}`)
  const token = required(r, 'CLEF_AGENT_VCS_TOKEN', 'an access token with read access to the repository')
  const identity = segment(r, 'CLEF_AGENT_VCS_IDENTITY', 'the service identity name')
  const environment = segment(r, 'CLEF_AGENT_VCS_ENVIRONMENT', 'the environment name')
  const ref = parseRef(r)
  const apiUrl = parseApiUrl(r)
  if (kind === undefined || kind === 'none' || repo === undefined || token === undefined) return undefined
  if (identity === undefined || environment === undefined) return undefined
  return checkRepo(r, {
    kind,
    repo,
    token,
    identity,
    environment,
    ...(ref === undefined ? {} : { ref }),
    ...(apiUrl === undefined ? {} : { apiUrl }),
  })
}
