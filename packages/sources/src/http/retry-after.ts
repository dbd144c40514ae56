// Retry-After (RFC 9110 §10.2.3) tells us how long a throttled or unavailable origin wants us
// to stay away; the refresh loop uses it as the minimum back-off.

// All three HTTP-date forms (IMF-fixdate, RFC 850, asctime) start with a day name; requiring it
// keeps Date.parse's leniency from reading "1.5" as a calendar date.
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/

/**
 * Milliseconds to wait per a Retry-After value: delay-seconds, or an HTTP-date relative to
 * `now` (epoch ms; a past date gives 0). Undefined when absent or malformed.
 */
export const parseRetryAfter = (value: string | null | undefined, now: number): number | undefined => {
  const v = value?.trim()
  if (v === undefined || v === '') return undefined
  if (/^\d+$/.test(v)) return Number(v) * 1000
  if (!HTTP_DATE.test(v)) return undefined
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
