// Command-line surface of `clef-agent`: which command to run. Everything else is configured
// through CLEF_AGENT_* environment variables (docs/SPEC.md §8).

/** What `clef-agent exec` runs, and how. */
export interface ExecCommand {
  kind: 'exec'
  /** Restart the child when a new revision arrives. */
  watch: boolean
  /** Bare key names (`KEY`) instead of flat names (`ns__KEY`). */
  prefix: boolean
  command: string
  args: string[]
}

/** What the user asked for. */
export type Command =
  | { kind: 'run'; demo: boolean }
  | { kind: 'healthcheck' }
  | { kind: 'version' }
  | { kind: 'help' }
  | ExecCommand
  | { kind: 'invalid'; message: string }

/** `exec [--watch] [--no-prefix] [--] cmd args…`: options stop at `--` or at the command. */
const parseExec = (args: readonly string[]): Command => {
  let watch = false
  let prefix = true
  let i = 0
  for (; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg === '--') {
      i++
      break
    }
    if (arg === '--watch') watch = true
    else if (arg === '--no-prefix') prefix = false
    else if (arg.startsWith('-')) return { kind: 'invalid', message: `unknown exec option "${arg}"` }
    else break
  }
  const [command, ...rest] = args.slice(i)
  if (command === undefined || command === '')
    return { kind: 'invalid', message: 'exec needs a command to run' }
  return { kind: 'exec', watch, prefix, command, args: rest }
}

/** Parses argv (without node and the script path). */
export const parseArgs = (args: readonly string[]): Command => {
  const [first, ...rest] = args
  if (first === 'exec') return parseExec(rest)
  if (rest.length > 0) return { kind: 'invalid', message: `unexpected argument "${rest[0] ?? ''}"` }
  switch (first) {
    case undefined:
    case 'run':
      return { kind: 'run', demo: false }
    case '--demo':
    case 'demo':
      return { kind: 'run', demo: true }
    case 'healthcheck':
      return { kind: 'healthcheck' }
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
  clef-agent exec [--watch] [--no-prefix] [--] cmd args...
                          run cmd with the secrets in its environment (NS__KEY names, or bare
                          KEY names with --no-prefix); --watch restarts it on a new revision
  clef-agent demo         start on the bundled demo artifact (test-only key)
  clef-agent healthcheck  exit 0 when the local agent is ready, 1 otherwise
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
