/**
 * What the agent keeps between refreshes: the snapshot of decrypted secrets (cached mode), the
 * encrypted artifact (JIT mode), the freshness clock, and the 0600 disk cache of the still-
 * encrypted artifact.
 *
 * @packageDocumentation
 * @module @clef-sh/cache
 */
export { createSnapshotStore } from './snapshot-store.ts'
export type { SnapshotStore } from './snapshot-store.ts'
export { createFreshness } from './freshness.ts'
export type { Freshness, FreshnessOptions } from './freshness.ts'
export { createJitStore } from './jit-store.ts'
export type { JitEntry, JitStore } from './jit-store.ts'
export { createDiskCache } from './disk-cache.ts'
export type { DiskCache, DiskCacheOptions } from './disk-cache.ts'
export type { CacheLineage } from './disk-cache.ts'
export { createCacheLocation, DIR_MARKS_NAME, isPathSegment } from './cache-location.ts'
export type { CacheLocation, CacheLocationOptions } from './cache-location.ts'
