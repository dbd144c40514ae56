// The sidecar image's defaults: where the token goes, so that the app container finds it in the
// volume both mount (examples/sidecar-kubernetes). Anything the operator sets wins.

/** The directory the image prepares (owned by the nonroot user) and the examples mount. */
export const TOKEN_DIR = '/run/clef'

/** Defaults of the container, under the operator's environment. */
export const CONTAINER_DEFAULTS: Readonly<Record<string, string>> = {
  CLEF_AGENT_TOKEN_FILE: `${TOKEN_DIR}/token`,
}

/** `env` with {@link CONTAINER_DEFAULTS} filled in where unset. */
export const containerEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ ...CONTAINER_DEFAULTS, ...env })
