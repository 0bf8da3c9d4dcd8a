/**
 * A map bounded to `capacity` entries that forgets the least recently used ones in halves: two
 * generations of `Map`, the young one taking every write and every hit, the old one dropped whole when
 * the young one fills (the scheme of quick-lru and hashlru).
 *
 * Why not evict one entry per write from the front of a single `Map`: V8 leaves deleted entries as holes
 * until the table is rebuilt, so reading the oldest key after many deletions walks those holes, and a
 * million deliveries took minutes. Here every operation is O(1) and memory stays flat.
 *
 * @module
 */

/** The operations the memory store needs. */
export interface BoundedLru<V> {
  /** The value, marking `key` as recently used. */
  get(key: string): V | undefined
  set(key: string, value: V): void
  delete(key: string): void
  clear(): void
  readonly size: number
}

/**
 * Creates a bounded LRU map; `size` never exceeds `capacity`.
 *
 * @example
 * ```ts
 * const completed = createBoundedLru<number>(100_000)
 * completed.set('automatenexus:whk_1', expiresAt)
 * ```
 */
export function createBoundedLru<V>(capacity: number): BoundedLru<V> {
  const generationSize = Math.max(1, Math.ceil(capacity / 2))
  let young = new Map<string, V>()
  let old = new Map<string, V>()

  function insertYoung(key: string, value: V): void {
    young.set(key, value)
    if (young.size >= generationSize) {
      old = young
      young = new Map()
    }
  }

  return {
    get(key) {
      const value = young.get(key)
      if (value !== undefined) return value
      const aged = old.get(key)
      if (aged !== undefined) {
        old.delete(key)
        insertYoung(key, aged)
      }
      return aged
    },
    set(key, value) {
      if (young.has(key)) {
        young.set(key, value)
        return
      }
      old.delete(key)
      insertYoung(key, value)
    },
    delete(key) {
      young.delete(key)
      old.delete(key)
    },
    clear() {
      young = new Map()
      old = new Map()
    },
    get size() {
      return young.size + old.size
    },
  }
}
