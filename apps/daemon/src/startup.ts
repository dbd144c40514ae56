// What every command does first: read the configuration from the environment, or stop with exit
// code 1 and one line per problem (docs/SPEC.md §8). Secret values are never part of an issue.
import { tmpdir } from 'node:os'
import { parseConfig, type AgentConfig } from '@clef-sh/agent-core'

/** Writes `clef-agent: <line>` to stderr and exits 1. */
export const fail = (line: string): never => {
  process.stderr.write(`clef-agent: ${line}\n`)
  process.exit(1)
}

/** The message of anything thrown, for a one-line failure. AgentError messages hold no secret. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** The parsed configuration; on any issue prints them all and exits 1. */
export const configOrExit = (env: NodeJS.ProcessEnv): AgentConfig => {
  const parsed = parseConfig(env, { tmpdir: tmpdir(), uid: process.getuid?.() ?? 'user' })
  if (parsed.ok) return parsed.config
  for (const issue of parsed.issues) process.stderr.write(`clef-agent: ${issue.variable}: ${issue.message}\n`)
  return fail(`invalid configuration (${parsed.issues.length} problem(s)); see the README for every variable`)
}
