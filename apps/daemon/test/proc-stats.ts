// Reads a child's CPU time from /proc (Linux), for the idle test.
import { readFileSync } from 'node:fs'

/** CPU seconds (user + system) the process `pid` has used so far. */
export const cpuSeconds = (pid: number): number => {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}
