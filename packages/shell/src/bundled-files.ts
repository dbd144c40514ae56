// A node bundle (packages/shell/bundle.mjs) loads the SDKs only some configurations use (AWS S3 and
// KMS, Octokit, GitBeaker, age-encryption for post-quantum keys) from vendor/*.cjs beside it. A copy
// without them would start, then fail at the first S3 fetch or the first KMS envelope as what looks
// like an outage, retried forever. So every command that loads artifacts checks them first: a
// missing file is a fatal `config_invalid` naming it. The demo needs none of them; a single
// executable and the TypeScript sources have none (the build defines the list as empty or not at all).
import { existsSync } from 'node:fs'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AgentError, ErrorCode } from '@clef-sh/errors'

// Set by bundle.mjs: the side files (`./vendor/<name>.cjs`) the bundle requires on first use.
declare const __CLEF_VENDOR_FILES__: readonly string[] | undefined

const vendorFiles = (): readonly string[] =>
  typeof __CLEF_VENDOR_FILES__ === 'undefined' ? [] : __CLEF_VENDOR_FILES__

/**
 * The error for the side files missing beside the running bundle, or undefined when none is (or
 * this is not a node bundle): `config_invalid`, `missing bundled file ./vendor/<name>.cjs` for each.
 */
export const missingBundledFiles = (): AgentError | undefined => {
  // In a bundle, import.meta.url is the bundle's own file: the shims require relative to it.
  const missing = vendorFiles().filter((file) => !existsSync(fileURLToPath(new URL(file, import.meta.url))))
  if (missing.length === 0) return undefined
  const bundle = fileURLToPath(import.meta.url)
  return new AgentError(
    ErrorCode.ConfigInvalid,
    `${missing.map((f) => `missing bundled file ${f}`).join('; ')} (beside ${bundle})`,
    {
      hint: `copy the vendor/ folder with ${basename(bundle)}, or use the single executable or the npm package @clef-sh/agent`,
    },
  )
}
