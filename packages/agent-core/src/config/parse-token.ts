// The API token's settings: CLEF_AGENT_TOKEN (long enough to resist guessing), the token file (the
// given one, or a default in a directory of the agent's own) and whether its group may read it.
import { join } from 'node:path'
import { readBoolean, type EnvReader } from './env-reader.ts'
import type { ParseConfigOptions } from './types.ts'

/** The shortest CLEF_AGENT_TOKEN accepted: shorter ones can be guessed over the loopback API. */
export const MIN_TOKEN_LENGTH = 16

/** The token part of AgentConfig. */
export interface TokenConfig {
  token: string | undefined
  tokenFile: string
  tokenFileIsDefault: boolean
  tokenGroupReadable: boolean
}

const defaultTokenFile = (r: EnvReader, opts: ParseConfigOptions): string => {
  const runtimeDir = r.get('XDG_RUNTIME_DIR')
  if (runtimeDir !== undefined) return join(runtimeDir, 'clef-agent', 'token')
  return join(opts.tmpdir ?? '/tmp', `clef-agent-${opts.uid ?? 'user'}`, 'token')
}

/**
 * Reads CLEF_AGENT_TOKEN (an issue when shorter than {@link MIN_TOKEN_LENGTH}; the value is never
 * echoed), CLEF_AGENT_TOKEN_FILE (else the default path) and CLEF_AGENT_TOKEN_GROUP_READABLE.
 */
export const parseToken = (r: EnvReader, opts: ParseConfigOptions): TokenConfig => {
  const token = r.get('CLEF_AGENT_TOKEN')
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    r.issue(
      'CLEF_AGENT_TOKEN',
      `must be at least ${MIN_TOKEN_LENGTH} characters (it has ${token.length}); generate one with: openssl rand -base64 32`,
    )
  }
  const tokenFile = r.get('CLEF_AGENT_TOKEN_FILE')
  return {
    token,
    tokenFile: tokenFile ?? defaultTokenFile(r, opts),
    tokenFileIsDefault: tokenFile === undefined,
    tokenGroupReadable: readBoolean(r, 'CLEF_AGENT_TOKEN_GROUP_READABLE', false),
  }
}
