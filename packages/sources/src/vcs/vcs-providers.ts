// What tells the three VCS providers apart when their options are checked: one table, so the
// GitHub, GitLab and Bitbucket sources name their kind and share the rest of resolveVcs.

/** The VCS providers with a source. */
export type VcsKind = 'github' | 'gitlab' | 'bitbucket'

/** What differs between providers when resolving options. */
export interface VcsRules {
  kind: VcsKind
  /** The provider's cloud API, used when `apiUrl` is not set. */
  defaultApiUrl: string
  /** What a `repo` setting must look like. */
  repoPattern: RegExp
  /** The same, in words, for the `config_invalid` message. */
  repoShape: string
  /** The hint of a 401/403: the token scope this provider needs. */
  authHint: string
}

const ownerRepo = /^[\w.-]+\/[\w.-]+$/

/** The rules of each provider (docs/SPEC.md §5). */
export const VCS_RULES: Readonly<Record<VcsKind, VcsRules>> = {
  github: {
    kind: 'github',
    defaultApiUrl: 'https://api.github.com',
    repoPattern: ownerRepo,
    repoShape: '"owner/repo"',
    authHint:
      'check the token: it must be valid and grant read access to the repository contents ' +
      '(fine-grained token: Contents read-only, contents:read; classic token: repo scope for private repositories)',
  },
  gitlab: {
    kind: 'gitlab',
    defaultApiUrl: 'https://gitlab.com',
    repoPattern: /^(\d+|[\w.-]+(\/[\w.-]+)+)$/,
    repoShape: 'a project path like "group/project" or a numeric project id',
    authHint:
      'check the token: it must be valid, grant the read_repository (or read_api) scope, and belong to ' +
      'a member of the project with at least Reporter access',
  },
  bitbucket: {
    kind: 'bitbucket',
    defaultApiUrl: 'https://api.bitbucket.org',
    repoPattern: ownerRepo,
    repoShape: '"workspace/repo_slug"',
    authHint:
      'check the token: it must be valid and grant the repository:read scope (a repository or workspace ' +
      'access token, or an app password with Repositories: Read given as user:app_password)',
  },
}
