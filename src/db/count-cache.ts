/**
 * Counting the rows behind a list is the one part of a list read that grows with the
 * archive (SQLite counts index entries one by one). Counts are therefore kept per
 * database and filter until the content changes (every write announces itself through
 * the changes plugin, which calls invalidateCounts) or until `validUntil`, the moment a
 * scheduled article goes live and changes what is visible without any write.
 */
interface Entry { value: number, validUntil: number }

const MAX_ENTRIES = 10_000
const caches = new WeakMap<object, Map<string, Entry>>()

export function cachedCount (db: object, key: string, at: number, compute: () => Entry): number {
  let cache = caches.get(db)
  if (!cache) caches.set(db, cache = new Map())
  const hit = cache.get(key)
  if (hit && at < hit.validUntil) return hit.value
  if (cache.size >= MAX_ENTRIES) cache.clear()
  const entry = compute()
  cache.set(key, entry)
  return entry.value
}

export function invalidateCounts (db: object): void {
  caches.get(db)?.clear()
}
