// The environment of the command `clef-agent exec` runs: the caller's environment without any
// CLEF_AGENT_* variable (the age key and tokens must not leak into the child), plus the secrets.
import { AgentError, ErrorCode } from '@clef-sh/errors'

/** Secrets as the agent serves them: namespace → key → value. */
export type ExecSecrets = Readonly<Record<string, Readonly<Record<string, string>>>>

/** Options of {@link buildChildEnv}. */
export interface ChildEnvOptions {
  secrets: ExecSecrets
  /** true: `ns__key`; false: bare `key`, which must then be unique across namespaces. */
  prefix: boolean
  base: Readonly<Record<string, string | undefined>>
}

/** The child's environment, and the secret names that cannot be environment variables. */
export interface ChildEnv {
  env: Record<string, string>
  skipped: string[]
}

// execve takes any name without `=` and any value without NUL; everything else is the shell's business.
const usable = (name: string, value: string): boolean =>
  name !== '' && !name.includes('=') && !name.includes('\0') && !value.includes('\0')

const bareNames = (secrets: ExecSecrets): Map<string, string> => {
  const names = new Map<string, string>()
  const clashes = new Set<string>()
  for (const keys of Object.values(secrets)) {
    for (const [key, value] of Object.entries(keys)) {
      if (names.has(key)) clashes.add(key)
      names.set(key, value)
    }
  }
  if (clashes.size > 0) {
    throw new AgentError(
      ErrorCode.KeyAmbiguous,
      `--no-prefix: ${[...clashes].join(', ')} exist in several namespaces`,
      {
        hint: 'drop --no-prefix and use the NAMESPACE__KEY names',
      },
    )
  }
  return names
}

const flatNames = (secrets: ExecSecrets): Map<string, string> =>
  new Map(
    Object.entries(secrets).flatMap(([ns, keys]) => Object.entries(keys).map(([k, v]) => [`${ns}__${k}`, v])),
  )

/**
 * Builds the child's environment: `base` minus every `CLEF_AGENT_*` name, then the secrets (which
 * win over a variable of the same name). Throws AgentError `key_ambiguous` when `prefix` is false
 * and a key is in several namespaces (the error names the keys, never a value).
 */
export const buildChildEnv = ({ secrets, prefix, base }: ChildEnvOptions): ChildEnv => {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !name.startsWith('CLEF_AGENT_')) env[name] = value
  }
  const skipped: string[] = []
  for (const [name, value] of prefix ? flatNames(secrets) : bareNames(secrets)) {
    if (usable(name, value)) env[name] = value
    else skipped.push(name)
  }
  return { env, skipped }
}
