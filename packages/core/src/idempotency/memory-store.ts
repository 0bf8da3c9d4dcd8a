/**
 * The embedded idempotency store: one process only, bounded in memory, so millions of distinct deliveries
 * keep memory flat. Use the Redis or PostgreSQL store when several receiver instances share the traffic.
 *
 * Three maps, each bounded by `maxEntries`:
 * - leases: claims in progress, with their owner and deadline. Never evicted while live, since evicting
 *   one would let a duplicate run beside the handler; when all are live the store fails closed instead.
 * - completed keys, each with its retention deadline, least recently used forgotten first.
 * - record versions for the ordering guard, least recently used forgotten first.
 *
 * @module
 */
import type { IdempotencyError } from '../errors.js'
import { monotonicNow } from '../monotonic-now.js'
import type { ClaimResult, IdempotencyStore } from './idempotency-store.js'
import { createBoundedLru } from './bounded-lru.js'
import { batchedMs, batchedText } from './call-batcher.js'
import { storeUnavailableError } from './store-deadline.js'

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Bound of each of the three maps (claims in progress, completed keys, record versions). Completed keys
   * and versions are forgotten least recently used first, in batches of half the bound; past the bound a
   * duplicate older than the last `maxEntries / 2` deliveries may run again. Default 100 000.
   */
  maxEntries?: number
  /**
   * Clock in ms, injectable for tests. Default: a monotonic clock (`performance`), which the wall clock's
   * steps (NTP, a resumed VM) do not move, so they neither end a live lease early nor hold a key too long.
   */
  now?: () => number
}

interface Lease {
  readonly owner: string
  readonly expiresAt: number
}

interface RecordVersion {
  readonly version: number
  readonly expiresAt: number
}

/** The memory store, with its size exposed for tests and metrics. */
export interface MemoryStore extends IdempotencyStore {
  /** Keys currently held: claims in progress, completed keys and record versions. */
  readonly size: number
}

function closedError(): IdempotencyError {
  return storeUnavailableError('memory store: closed')
}

/**
 * Creates the in-memory store.
 *
 * @example
 * ```ts
 * const receiver = createReceiver({ provider: automatenexus, secret, store: createMemoryStore({ maxEntries: 50_000 }) })
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxEntries = options.maxEntries ?? 100_000
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('crm-webhooks: maxEntries must be a positive integer')
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('crm-webhooks: now must be a function returning ms')
  // Not Date.now: a lease read against the wall clock ends at once when it steps forward, and a duplicate
  // runs beside its handler. This process's monotonic clock, anchored at its start, reads in the same ms.
  const clock = options.now ?? monotonicNow
  // A clock that reads NaN (a test's `() => start + undefined`) makes every deadline compare false: each
  // completed key would read as forgotten and each delivery run again. Fail closed (503) instead.
  const now = (): number => {
    const at = clock()
    if (!Number.isFinite(at)) throw storeUnavailableError(`memory store: now() returned ${String(at)}, not a time in ms`)
    return at
  }
  const leases = new Map<string, Lease>()
  // Completed keys map to their retention deadline: a bare number keeps an entry small.
  const completed = createBoundedLru<number>(maxEntries)
  const versions = createBoundedLru<RecordVersion>(maxEntries)

  /** The live lease on `key`, dropping an expired one. */
  function liveLease(key: string, at: number): Lease | undefined {
    const lease = leases.get(key)
    if (lease === undefined) return undefined
    if (lease.expiresAt > at) return lease
    leases.delete(key)
    return undefined
  }

  function isCompleted(key: string, at: number): boolean {
    const expiresAt = completed.get(key)
    if (expiresAt === undefined) return false
    if (expiresAt > at) return true
    completed.delete(key)
    return false
  }

  // No lease ends before this, as of the last sweep (lowered by every lease set since): while every slot
  // holds a live lease, claims fail closed without walking all of them again, one walk per lease ending.
  let noLeaseEndsBefore = Number.NEGATIVE_INFINITY

  function makeRoomForLease(at: number): void {
    if (leases.size < maxEntries) return
    if (at >= noLeaseEndsBefore) {
      let soonest = Number.POSITIVE_INFINITY
      for (const [key, lease] of leases) {
        if (lease.expiresAt <= at) leases.delete(key)
        else if (lease.expiresAt < soonest) soonest = lease.expiresAt
      }
      noLeaseEndsBefore = soonest
    }
    if (leases.size >= maxEntries) {
      // Evicting a live lease would let a duplicate run beside its handler: fail closed (503, retried later).
      throw storeUnavailableError(`memory store: ${maxEntries} deliveries already in progress`)
    }
  }

  /**
   * Records `version` unless a newer one is known; true (stale) when one is. A version that cannot be
   * compared (NaN from a malformed date) can be neither stale nor the newest: nothing is recorded.
   */
  function recordVersion(record: string, version: number, retentionMs: number, at: number): boolean {
    if (!Number.isFinite(version)) return false
    const known = versions.get(record)
    if (known !== undefined && known.expiresAt > at && known.version > version) return true
    versions.set(record, { version, expiresAt: at + retentionMs })
    return false
  }

  // Closed, the store has forgotten every claim: answering as if each key were new would run completed
  // deliveries again, so it fails closed (503), as the server stores do once closed.
  let closed = false

  return {
    get size() {
      return leases.size + completed.size + versions.size
    },
    async claim(key, owner, lockTtlMs, version): Promise<ClaimResult> {
      if (closed) throw closedError()
      // Checked as the server stores check them: a NaN lease was never live, so every claim was granted.
      batchedText('key', key)
      batchedText('owner', owner)
      batchedMs('lockTtlMs', lockTtlMs)
      if (version !== undefined) {
        batchedText('record', version.record)
        batchedMs('retentionMs', version.retentionMs)
      }
      const at = now()
      if (isCompleted(key, at)) return { state: 'completed' }
      const lease = liveLease(key, at)
      if (lease) return { state: 'in_progress', retryAfterMs: lease.expiresAt - at }
      makeRoomForLease(at)
      const expiresAt = at + lockTtlMs
      leases.set(key, { owner, expiresAt })
      if (expiresAt < noLeaseEndsBefore) noLeaseEndsBefore = expiresAt
      if (version === undefined) return { state: 'claimed' }
      return { state: 'claimed', stale: recordVersion(version.record, version.version, version.retentionMs, at) }
    },
    async complete(key, owner, retentionMs) {
      if (closed) throw closedError()
      // A NaN retention answered true and remembered nothing: the next claim of the key was granted.
      batchedText('key', key)
      batchedText('owner', owner)
      batchedMs('retentionMs', retentionMs)
      const at = now()
      // The owner's claim, live or lapsed with nobody holding the key since: a handler that outlived its
      // lease still succeeded once, and dropping that would let the sender's next retry run it again.
      const lease = liveLease(key, at)
      if (lease ? lease.owner !== owner : isCompleted(key, at)) return false
      leases.delete(key)
      completed.set(key, at + retentionMs)
      return true
    },
    async release(key, owner) {
      if (closed) throw closedError()
      if (liveLease(key, now())?.owner !== owner) return false
      leases.delete(key)
      return true
    },
    async recordVersion(record, version, retentionMs) {
      if (closed) throw closedError()
      batchedMs('retentionMs', retentionMs)
      return { stale: recordVersion(record, version, retentionMs, now()) }
    },
    async close() {
      closed = true
      leases.clear()
      completed.clear()
      versions.clear()
    },
  }
}
