// Small typed readers over the environment that record an issue instead of throwing, so
// parseConfig can report every problem at once.
import { decodePercent } from '@clef-sh/errors'
import type { ConfigIssue } from './types.ts'

/** A view of the environment plus the issues found so far. */
export interface EnvReader {
  /** The trimmed value, or undefined when unset or empty (`VAR=` counts as unset). */
  get(name: string): string | undefined
  issue(variable: string, message: string): undefined
  readonly issues: ConfigIssue[]
}

/** Creates an {@link EnvReader} over `env`. */
export const createEnvReader = (env: Record<string, string | undefined>): EnvReader => {
  const issues: ConfigIssue[] = []
  return {
    get: (name) => {
      const v = env[name]?.trim()
      return v === undefined || v === '' ? undefined : v
    },
    issue: (variable, message) => {
      issues.push({ variable, message })
      return undefined
    },
    issues,
  }
}

/** Options of {@link readInteger}. */
export interface IntegerOptions {
  name: string
  min: number
  max: number
  /** What the number means, for the message (e.g. "a port", "seconds"). */
  what: string
}

/** A decimal integer within [min, max]; undefined (with an issue) otherwise or when unset. */
export const readInteger = (r: EnvReader, opts: IntegerOptions): number | undefined => {
  const raw = r.get(opts.name)
  if (raw === undefined) return undefined
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN
  if (n >= opts.min && n <= opts.max) return n
  r.issue(opts.name, `must be ${opts.what}: an integer from ${opts.min} to ${opts.max}`)
  return undefined
}

const TRUE = new Set(['true', '1'])
const FALSE = new Set(['false', '0'])

/** `true`/`false`/`1`/`0` (any case); `fallback` when unset. */
export const readBoolean = (r: EnvReader, name: string, fallback: boolean): boolean => {
  const raw = r.get(name)?.toLowerCase()
  if (raw === undefined) return fallback
  if (TRUE.has(raw)) return true
  if (FALSE.has(raw)) return false
  r.issue(name, 'must be true, false, 1 or 0')
  return fallback
}

/** One of `choices` (any case); `fallback` when unset. */
export const readChoice = <T extends string>(
  r: EnvReader,
  name: string,
  choices: { values: readonly T[]; fallback: T },
): T => {
  const raw = r.get(name)?.toLowerCase()
  if (raw === undefined) return choices.fallback
  const found = choices.values.find((c) => c === raw)
  if (found !== undefined) return found
  r.issue(name, `must be one of ${choices.values.join(', ')}`)
  return choices.fallback
}

/** An http(s) URL; the message never repeats the value (it may carry credentials). */
export const readHttpUrl = (r: EnvReader, name: string): URL | undefined => {
  const raw = r.get(name)
  if (raw === undefined) return undefined
  const url = URL.canParse(raw) ? new URL(raw) : undefined
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    r.issue(name, 'must be an absolute http:// or https:// URL')
    return undefined
  }
  if (decodePercent(url.username) === undefined || decodePercent(url.password) === undefined) {
    r.issue(name, 'has a malformed %-escape in its user:password part')
    return undefined
  }
  return url
}
