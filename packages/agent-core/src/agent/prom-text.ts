// Writing the Prometheus text exposition format 0.0.4: families, escaped label values, numbers as
// Go's ParseFloat reads them, and cumulative histograms.

/** Escapes a label value (the revision comes from an artifact, so it may hold anything). */
export const escapeLabel = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

/** A sample value: `+Inf`, `-Inf` and `NaN` spelled the way scrapers expect. */
export const formatNumber = (n: number): string => {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return String(n)
}

/** One family: HELP, TYPE, then its sample lines. */
export const family = (name: string, meta: { type: string; help: string }, samples: string[]): string =>
  [`# HELP ${name} ${meta.help}`, `# TYPE ${name} ${meta.type}`, ...samples].join('\n')

/** A histogram with fixed upper bounds (seconds), observed in O(buckets). */
export interface Histogram {
  observe(value: number): void
  samples(name: string): string[]
}

/** Creates a histogram over `bounds` (ascending); `+Inf` is implied. */
export const createHistogram = (bounds: readonly number[]): Histogram => {
  const counts = new Array<number>(bounds.length).fill(0)
  let count = 0
  let sum = 0
  return {
    observe: (value) => {
      count += 1
      sum += value
      const i = bounds.findIndex((b) => value <= b)
      if (i !== -1) counts[i] = (counts[i] ?? 0) + 1
    },
    samples: (name) => {
      let cumulative = 0
      const buckets = bounds.map((b, i) => {
        cumulative += counts[i] ?? 0
        return `${name}_bucket{le="${formatNumber(b)}"} ${cumulative}`
      })
      return [
        ...buckets,
        `${name}_bucket{le="+Inf"} ${count}`,
        `${name}_sum ${formatNumber(sum)}`,
        `${name}_count ${count}`,
      ]
    },
  }
}
