// `clef-agent demo`: the bundled demo artifact and its test-only key, so a new user sees the
// agent serve secrets with one command. Explicit CLEF_AGENT_* settings still win.

/** The environment for the demo: the artifact and key in `dir` (ending in `/`), pretty logs. */
export const demoEnv = (env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv => {
  return {
    CLEF_AGENT_SOURCE: `${dir}artifact.json`,
    CLEF_AGENT_AGE_KEY_FILE: `${dir}demo.agekey`,
    CLEF_AGENT_LOG_FORMAT: 'pretty',
    ...env,
  }
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
