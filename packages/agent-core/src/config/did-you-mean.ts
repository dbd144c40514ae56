// The "did you mean" of an unknown name: shared by the unknown CLEF_AGENT_* variables and the
// unknown option names of createAgent, so a typo reads the same in both.

const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost))
    }
    row = next
  }
  return row[b.length] ?? 0
}

/**
 * `; did you mean X?` for the known name closest to `name` (edit distance under 4, letter case
 * ignored), or '' when none is that close.
 */
export const didYouMean = (name: string, known: Iterable<string>): string => {
  let best: string | undefined
  let bestDistance = 4
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  return best === undefined ? '' : `; did you mean ${best}?`
}
