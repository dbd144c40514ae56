// The in-process reads of Agent (getAll, get, keys). The name rules themselves (flat `ns__key`,
// bare keys, ambiguity) are artifact-format's, shared with the HTTP API and `exec`.
import type { SecretValues } from '@clef-sh/artifact-format'

/** A deep copy, so a caller cannot change what the agent serves. */
export const copyValues = (values: SecretValues): SecretValues =>
  Object.fromEntries(Object.entries(values).map(([ns, keys]) => [ns, { ...keys }]))
