/**
 * Claims the receiver may hold without knowing it: a claim call that failed after it was sent (a store
 * frozen past its deadline, a connection dropped with the command on it, a client-side query timeout) can
 * still land, and then holds the key for a whole lease, meeting the sender's retries with 409. Each such
 * claim's owner is kept until its lease would end, so the next claim of the same key gives it back first
 * (the release is owner-checked, so it can only drop that claim).
 *
 * @module
 */

/** The releases a receiver owes its store. */
export interface OwedReleases {
  /** Records that `owner`'s claim on `key` may have landed unanswered; it holds at most until `leaseEndsAt`. */
  owe(key: string, owner: string, leaseEndsAt: number, now: number): void
  /** The owners whose claims on `key` may still hold, oldest first, forgetting those whose lease has ended by `now`. */
  ownersOf(key: string, now: number): readonly string[]
  /** Forgets one owner's claim on `key` (given back). */
  forgetOwner(key: string, owner: string): void
  /** Forgets every claim owed on `key` (the key was since claimed or completed: none of them can land any more). */
  forget(key: string): void
  /** Keys with a release owed. */
  readonly size: number
}

interface OwedClaim {
  readonly owner: string
  readonly leaseEndsAt: number
}

/** Fewest keys before the lapsed ones are swept out. */
const MIN_SWEEP_SIZE = 1_024

/**
 * Most unanswered claims kept per key, the newest: each resend that met the same outage left one, and any
 * of them may be the one that lands (the others then find the key taken).
 */
const MAX_OWNERS_PER_KEY = 8

/** `claims` whose lease has not ended by `now` (a clock reading NaN compares false: none). */
function stillHolding(claims: readonly OwedClaim[], now: number): OwedClaim[] {
  return claims.filter((claim) => now < claim.leaseEndsAt)
}

/**
 * Creates the record. Keys no sender retries are swept out once their leases have ended, whenever the
 * record has doubled since the last sweep: it holds the failed claims of about one lease, and once failures
 * stop, lapsed keys short of the next sweep, fewer than MIN_SWEEP_SIZE or twice what the last sweep kept
 * (each forgotten when its key is next claimed, the rest by the sweep the next outage sets off).
 *
 * @example
 * ```ts
 * const owed = createOwedReleases()
 * owed.owe(key, owner, Date.now() + lockTtlMs, Date.now())
 * for (const owner of owed.ownersOf(key, Date.now())) await store.release(key, owner)
 * ```
 */
export function createOwedReleases(): OwedReleases {
  const byKey = new Map<string, OwedClaim[]>()
  let sweepAt = MIN_SWEEP_SIZE
  return {
    owe(key, owner, leaseEndsAt, now) {
      const claims = stillHolding(byKey.get(key) ?? [], now).slice(1 - MAX_OWNERS_PER_KEY)
      claims.push({ owner, leaseEndsAt })
      byKey.set(key, claims)
      if (byKey.size < sweepAt) return
      for (const [owedKey, owed] of byKey) if (stillHolding(owed, now).length === 0) byKey.delete(owedKey)
      sweepAt = Math.max(MIN_SWEEP_SIZE, byKey.size * 2)
    },
    ownersOf(key, now) {
      const owed = byKey.get(key)
      if (owed === undefined) return []
      const claims = stillHolding(owed, now)
      if (claims.length === 0) byKey.delete(key)
      else if (claims.length !== owed.length) byKey.set(key, claims)
      return claims.map((claim) => claim.owner)
    },
    forgetOwner(key, owner) {
      const claims = byKey.get(key)?.filter((claim) => claim.owner !== owner)
      if (claims === undefined) return
      if (claims.length === 0) byKey.delete(key)
      else byKey.set(key, claims)
    },
    forget(key) {
      byKey.delete(key)
    },
    get size() {
      return byKey.size
    },
  }
}
