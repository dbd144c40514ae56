// The transport behind @gitbeaker/rest. gitbeaker builds the request (project and file path
// URL-encoded, `ref`, the PRIVATE-TOKEN header); this requester sends it with the injected fetch
// under the fetch's deadline and size cap. gitbeaker's own requester uses the global fetch and
// silently retries 429 and 502 ten times, which would hide throttling from the refresh loop.
import type { RepositoryFiles } from '@gitbeaker/rest'
import { vcsFetch, type VcsCall } from '../vcs/vcs-call.ts'

type RequesterFn = NonNullable<ConstructorParameters<typeof RepositoryFiles>[0]['requesterFn']>
type Requester = ReturnType<RequesterFn>

/** What one gitbeaker call should send on the wire. */
export interface GitLabStep {
  method: 'GET' | 'HEAD'
  /** Sent as If-None-Match. */
  etag?: string | undefined
}

const queryOf = (params: Record<string, unknown> | undefined): string => {
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(params ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') query.set(k, String(v))
  }
  return query.toString()
}

/**
 * A gitbeaker `requesterFn` that performs `step` for a `get`. A 200 GET resolves with the artifact
 * text, a HEAD or 304 with a null body; every other outcome throws the mapped SourceError.
 */
export const gitlabRequester =
  (call: VcsCall, step: GitLabStep): RequesterFn =>
  (service) => {
    const get = async (endpoint: string, options?: { searchParams?: Record<string, unknown> }) => {
      // gitbeaker's base is `<host>/api/v4/`; its endpoints are relative and already encoded.
      const url = new URL(endpoint, service.url.endsWith('/') ? service.url : `${service.url}/`)
      url.search = queryOf(options?.searchParams)
      const headers = new Headers(service.headers)
      for (const [name, value] of Object.entries(service.authHeaders)) headers.set(name, await value())
      if (step.etag !== undefined) headers.set('if-none-match', step.etag)
      const answer = await vcsFetch(call, { url: url.toString(), method: step.method, headers })
      const body = step.method === 'GET' && answer.status === 200 ? await answer.text() : null
      return { body, status: answer.status, headers: Object.fromEntries(answer.headers) }
    }
    const unsupported = () => Promise.reject(new Error('the GitLab source only reads'))
    // Only `get` is reachable from the read-only calls the source makes.
    return {
      get,
      post: unsupported,
      put: unsupported,
      patch: unsupported,
      delete: unsupported,
    } as unknown as Requester
  }
