// `clef-agent demo`: the embedded demo artifact and its test-only key, so a new user sees the
// agent serve secrets with one command, from any copy of it. The artifact (still encrypted) goes to
// a private temporary directory, removed at exit: the file source reads a path. Explicit
// CLEF_AGENT_* settings still win.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO_AGE_KEY, DEMO_ARTIFACT } from './demo-artifact.ts'

const set = (env: NodeJS.ProcessEnv, name: string): boolean => (env[name] ?? '') !== ''

/** Writes the demo artifact to a new 0700 directory, removed when the process exits; its path. */
const writeDemoArtifact = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'clef-agent-demo-'))
  process.once('exit', () => {
    rmSync(dir, { recursive: true, force: true })
  })
  const path = join(dir, 'artifact.json')
  writeFileSync(path, `${JSON.stringify(DEMO_ARTIFACT, null, 2)}\n`, { mode: 0o600 })
  return path
}

/**
 * The environment for the demo: `env` plus the embedded artifact as the source (unless `env` names
 * one), the demo key (unless `env` gives one) and pretty logs (unless `env` picks a format).
 */
export const demoEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  const demo: NodeJS.ProcessEnv = {}
  if (!set(env, 'CLEF_AGENT_LOG_FORMAT')) demo['CLEF_AGENT_LOG_FORMAT'] = 'pretty'
  if (!set(env, 'CLEF_AGENT_SOURCE') && !set(env, 'CLEF_AGENT_VCS_PROVIDER'))
    demo['CLEF_AGENT_SOURCE'] = writeDemoArtifact()
  if (!set(env, 'CLEF_AGENT_AGE_KEY') && !set(env, 'CLEF_AGENT_AGE_KEY_FILE'))
    demo['CLEF_AGENT_AGE_KEY'] = DEMO_AGE_KEY
  return { ...env, ...demo }
}

/** What the demo prints once it serves: how to call it, never the token itself. */
export const demoHowTo = (port: number, tokenFile: string | undefined): string => {
  const auth = tokenFile === undefined ? '$CLEF_AGENT_TOKEN' : `$(cat ${tokenFile})`
  return [
    '',
    'clef-agent is serving the demo artifact (test-only key). Try:',
    `  curl -s -H "Authorization: Bearer ${auth}" http://127.0.0.1:${port}/v1/secrets`,
    `  curl -s http://127.0.0.1:${port}/v1/health`,
    'Stop with Ctrl-C.',
    '',
  ].join('\n')
}
