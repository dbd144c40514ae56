// Revisions are `<unix-ms>-<hex>`; their time part orders them, which is what rollback
// protection needs. Revisions in another form cannot be ordered and are left to the caller.

const REVISION = /^(\d{1,15})-[0-9a-fA-F]+$/

/** The unix-ms time part of a `<ms>-<hex>` revision, or undefined when it has another form. */
export const revisionTime = (revision: string): number | undefined => {
  const m = REVISION.exec(revision)
  return m?.[1] === undefined ? undefined : Number(m[1])
}

/**
 * Orders two revisions by their time part: negative when `a` is older, positive when newer, 0 at
 * the same millisecond. Undefined when either is not of the `<ms>-<hex>` form.
 */
export const compareRevisions = (a: string, b: string): number | undefined => {
  const ta = revisionTime(a)
  const tb = revisionTime(b)
  return ta === undefined || tb === undefined ? undefined : Math.sign(ta - tb)
}
