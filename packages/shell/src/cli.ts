// Command-line surface of `clef-agent`: which command to run. Everything else is configured
// through CLEF_AGENT_* environment variables (docs/SPEC.md §8).

/** What `clef-agent exec` runs, and how. */
export interface ExecCommand {
  kind: 'exec'
  /** Restart the child when a new revision arrives. */
  watch: boolean
  /** Bare key names (`KEY`) instead of flat names (`ns__KEY`). */
  prefix: boolean
  /** Loader and interpreter variables (PATH, LD_PRELOAD, …) the secrets may set after all. */
  allowEnv: string[]
  command: string
  args: string[]
}

/** What the user asked for. */
export type Command =
  | { kind: 'run'; demo: boolean }
  | { kind: 'healthcheck'; live: boolean; waitSeconds?: number }
  | { kind: 'version' }
  | { kind: 'help'; topic?: 'exec' }
  | ExecCommand
  | { kind: 'invalid'; message: string }

const isName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)

/** `NAME,NAME…` of `--allow-env`; undefined when a name is not a variable name. */
const parseNames = (list: string): string[] | undefined => {
  const names = list.split(',').map((n) => n.trim())
  return names.every(isName) ? names : undefined
}

/**
 * `exec [--watch] [--no-prefix] [--allow-env NAME,…] [--] cmd args…`: options stop at `--` or at
 * the command.
 */
const parseExec = (args: readonly string[]): Command => {
  let watch = false
  let prefix = true
  const allowEnv: string[] = []
  let i = 0
  for (; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg === '--') {
      i++
      break
    }
    if (arg === '--watch') watch = true
    else if (arg === '--no-prefix') prefix = false
    else if (arg === '--help' || arg === '-h') return { kind: 'help', topic: 'exec' }
    else if (arg === '--allow-env' || arg.startsWith('--allow-env=')) {
      const list = arg === '--allow-env' ? args[++i] : arg.slice('--allow-env='.length)
      const names = parseNames(list ?? '')
      if (names === undefined) {
        return { kind: 'invalid', message: '--allow-env needs a list of variable names: NAME,NAME' }
      }
      allowEnv.push(...names)
    } else if (arg.startsWith('-')) return { kind: 'invalid', message: `unknown exec option "${arg}"` }
    else break
  }
  const [command, ...rest] = args.slice(i)
  if (command === undefined || command === '')
    return { kind: 'invalid', message: 'exec needs a command to run' }
  return { kind: 'exec', watch, prefix, allowEnv, command, args: rest }
}

/** The longest `healthcheck --wait`: an ECS dependency should give up within minutes, not hang. */
const MAX_WAIT_SECONDS = 3600

/** `healthcheck [--live] [--wait SECONDS]`. */
const parseHealthcheck = (args: readonly string[]): Command => {
  let live = false
  let waitSeconds: number | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg === '--live') live = true
    else if (arg === '--wait' || arg.startsWith('--wait=')) {
      const raw = arg === '--wait' ? (args[++i] ?? '') : arg.slice('--wait='.length)
      const seconds = Number(raw)
      if (!/^\d+$/.test(raw) || seconds < 1 || seconds > MAX_WAIT_SECONDS)
        return { kind: 'invalid', message: `--wait needs whole seconds from 1 to ${MAX_WAIT_SECONDS}` }
      waitSeconds = seconds
    } else return { kind: 'invalid', message: `unknown healthcheck option "${arg}"` }
  }
  return waitSeconds === undefined
    ? { kind: 'healthcheck', live }
    : { kind: 'healthcheck', live, waitSeconds }
}

/** Parses argv (without node and the script path). */
export const parseArgs = (args: readonly string[]): Command => {
  const [first, ...rest] = args
  if (first === 'exec') return parseExec(rest)
  if (first === 'healthcheck') return parseHealthcheck(rest)
  if (rest.length > 0) return { kind: 'invalid', message: `unexpected argument "${rest[0] ?? ''}"` }
  switch (first) {
    case undefined:
    case 'run':
      return { kind: 'run', demo: false }
    case '--demo':
    case 'demo':
      return { kind: 'run', demo: true }
    case '--version':
    case '-v':
    case 'version':
      return { kind: 'version' }
    case '--help':
    case '-h':
    case 'help':
      return { kind: 'help' }
    default:
      return { kind: 'invalid', message: `unknown command "${first}"` }
  }
}

/** Text of `clef-agent --help`. */
export const HELP: string = `clef-agent - serves Clef secrets on 127.0.0.1 from a packed artifact

Usage:
  clef-agent [run]        start the agent (configured by CLEF_AGENT_* variables)
  clef-agent exec [--watch] [--no-prefix] [--allow-env NAME,...] [--] cmd args...
                          run cmd with the secrets in its environment (see exec --help)
  clef-agent demo         start on the bundled demo artifact (test-only key)
  clef-agent healthcheck [--live] [--wait SECONDS]
                          exit 0 when the local agent is ready, else print why and exit 1;
                          --live: when the process answers at all (liveness probes: an outage
                          of the source must not restart the agent); --wait: retry each second
                          until it passes or SECONDS ran out (an ECS start-up gate)
  clef-agent --version    print the version and the Node version it runs on
  clef-agent --help       print this help

Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP refreshes now (exec forwards signals to cmd).

Main variables:
  CLEF_AGENT_SOURCE         path, file:// or http(s):// URL of the packed artifact
  CLEF_AGENT_AGE_KEY[_FILE] age identity (AGE-SECRET-KEY-1...) or a key file
  CLEF_AGENT_PORT           API port on 127.0.0.1 (default 7779)
  CLEF_AGENT_PROBE_PORT     health/ready/metrics only, on every interface (for kubelet probes)
  CLEF_AGENT_TOKEN[_FILE]   bearer token, or the file holding it (generated when unset)
  CLEF_AGENT_CACHE_TTL      seconds secrets stay fresh (default 300; 0 = decrypt per request)
  CLEF_AGENT_VERIFY_KEY     base64 DER SPKI key; artifacts must then be signed
See the README for every variable.
`

/** Text of `clef-agent exec --help`. */
export const EXEC_HELP: string = `clef-agent exec - run a command with the secrets in its environment

Usage:
  clef-agent exec [--watch] [--no-prefix] [--allow-env NAME,...] [--] cmd args...

The secrets are loaded and verified once, then cmd starts with them as environment variables
named namespace__KEY (e.g. app__API_KEY), or KEY alone with --no-prefix (refused when a key is
in several namespaces). CLEF_AGENT_* variables are not passed on. Signals go to cmd, and exec
exits with its code.

Options:
  --watch              keep polling; restart cmd (SIGTERM, then SIGKILL after 10 s) on a new revision
  --no-prefix          bare KEY names instead of namespace__KEY
  --allow-env NAMES    let secrets set these loader or interpreter variables (PATH, LD_PRELOAD,
                       NODE_OPTIONS, ...), which are otherwise never taken from secrets
  -h, --help           print this help

Variables:
  CLEF_AGENT_EXEC_RETRY_FOR  seconds to retry a source that is unreachable, times out or answers
                             5xx/429 before giving up (default 30; 0: fail at once). A bad key,
                             auth or a refused artifact fails at once.
  every other CLEF_AGENT_* variable as for clef-agent run
`
