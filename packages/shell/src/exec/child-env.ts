// The environment of the command `clef-agent exec` runs: the caller's environment without any
// CLEF_AGENT_* variable (the age key and tokens must not leak into the child), plus the secrets.
import { secretEnv } from '@clef-sh/artifact-format'
import { isLoaderVariable } from './loader-vars.ts'

/** Secrets as the agent serves them: namespace → key → value. */
export type ExecSecrets = Readonly<Record<string, Readonly<Record<string, string>>>>

/** Options of {@link buildChildEnv}. */
export interface ChildEnvOptions {
  secrets: ExecSecrets
  /** true: `ns__key`; false: bare `key`, which must then be unique across namespaces (artifact-format's name rules). */
  prefix: boolean
  base: Readonly<Record<string, string | undefined>>
  /** Loader and interpreter variables the secrets may set after all (`--allow-env`). */
  allowEnv?: readonly string[]
}

/** The child's environment, and the secret names that cannot be environment variables. */
export interface ChildEnv {
  env: Record<string, string>
  skipped: string[]
  /** Secret names not set because they are loader or interpreter variables (names only). */
  refused: string[]
}

// execve takes any name without `=` and any value without NUL; everything else is the shell's business.
const usable = (name: string, value: string): boolean =>
  name !== '' && !name.includes('=') && !name.includes('\0') && !value.includes('\0')

/**
 * Builds the child's environment: `base` minus every `CLEF_AGENT_*` name, then the secrets (which
 * win over a variable of the same name). Throws AgentError `key_ambiguous` when a name would stand
 * for several secrets: a flat name two namespaces produce, or with `prefix` false a key in several
 * namespaces (the error names the names, never a value), so the child is never started with one of them.
 * Loader and interpreter variables (PATH, LD_PRELOAD, NODE_OPTIONS, …) are never set from secrets
 * unless named in `allowEnv`; they are listed in `refused` instead and the caller's value stays.
 */
export const buildChildEnv = ({ secrets, prefix, base, allowEnv = [] }: ChildEnvOptions): ChildEnv => {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !name.startsWith('CLEF_AGENT_')) env[name] = value
  }
  const skipped: string[] = []
  const refused: string[] = []
  for (const [name, value] of secretEnv(secrets, { naming: prefix ? 'flat' : 'bare' })) {
    if (!usable(name, value)) skipped.push(name)
    else if (isLoaderVariable(name) && !allowEnv.includes(name)) refused.push(name)
    else env[name] = value
  }
  return { env, skipped, refused }
}
