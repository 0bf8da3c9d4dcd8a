/**
 * The idempotency store's interface: where the exactly-once guarantee lives (the memory store in core, the
 * Redis and PostgreSQL stores in their packages, or one of your own, each held to the store contracts).
 *
 * @module
 */

/** The result of a claim on an idempotency key. */
export type ClaimResult =
  /** `stale`: the ordering guard's verdict, when the claim was asked to record a {@link ClaimVersion}. */
  | { state: 'claimed'; stale?: boolean }
  | { state: 'completed' }
  | { state: 'in_progress'; retryAfterMs: number }

/** The record version a claim may record along with it (the ordering guard), in the same atomic step. */
export interface ClaimVersion {
  readonly record: string
  /** A finite number: the receiver decides a version it cannot compare is not stale, without asking. */
  readonly version: number
  readonly retentionMs: number
}

/**
 * Where the exactly-once guarantee lives. A claim is owned: only the owner token that took it may
 * complete or release it, so a late worker never clears a newer claim. Every method rejects when the
 * store is unreachable; the receiver then answers 503 and handles nothing.
 */
export interface IdempotencyStore {
  /**
   * Atomically claims `key` for `owner` for `lockTtlMs`, unless it is completed or claimed by a live owner.
   * Given `version`, a store with the ordering guard records it only when the claim is taken, in the same
   * step (as `recordVersion` would), and answers `stale` with `claimed`: one round trip instead of two.
   * A store that ignores `version` leaves `stale` undefined and the receiver calls `recordVersion` after.
   */
  claim(key: string, owner: string, lockTtlMs: number, version?: ClaimVersion): Promise<ClaimResult>
  /**
   * Marks the key completed for `retentionMs` when `owner` holds the claim, or when nobody does (the owner's
   * lease lapsed and no one claimed the key since: the handler ran once, and its success must stand); false
   * when another owner's claim holds the key, or it is completed already.
   */
  complete(key: string, owner: string, retentionMs: number): Promise<boolean>
  /** Drops the claim so a retry runs again; false when `owner` no longer holds it. */
  release(key: string, owner: string): Promise<boolean>
  /**
   * Ordering guard: records `version` for `record` if it is the newest, and answers whether a newer
   * one was already recorded. Optional: stores without it leave `event.stale` undefined.
   */
  recordVersion?(record: string, version: number, retentionMs: number): Promise<{ stale: boolean }>
  close?(): Promise<void>
}
