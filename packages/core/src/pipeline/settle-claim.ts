/**
 * Recording a held claim's outcome in the store (completed, or released so the sender's retry runs again),
 * retried in the background while the store is away, the completions still owed kept for the next claim.
 *
 * @module
 */
import type { HeldClaim } from '../idempotency/held-claims.js'
import { clockReading } from './clock-reading.js'
import type { PipelineConfig } from './pipeline-config.js'

/**
 * A store call as a promise whatever the store does: a store of your own that throws, or answers a plain
 * value, must neither skip the retries nor throw where nothing catches (after a handler timeout, an
 * unhandled error ends a Node process).
 */
export function storeCall<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(call())
  } catch (error) {
    return Promise.reject(error)
  }
}

/** A claim the store took: what recording its outcome needs. */
export interface TakenClaim {
  readonly key: string
  readonly owner: string
  /** When its lease ends at the earliest, counted from when the store was asked. */
  readonly leaseEndsAt: number
  /** Its count among the receiver's held claims, settled once the outcome is recorded (or given up). */
  readonly held: HeldClaim
}

/** What becomes of a claim once its handler settled. */
export type ClaimOutcome = 'complete' | 'release'

/** The longest wait between two attempts to record a claim's outcome on a store that does not answer. */
const MAX_SETTLE_RETRY_MS = 2_000

/**
 * How long past the lease a completion lost to an outage is still retried. While the store is away nobody
 * can claim the key, and a completion stands once it lands if nobody did (a free key is completed), so it
 * keeps the sender's later retries from running the handler again; the bound keeps a store that never
 * returns from holding timers for ever.
 */
const COMPLETION_RETRY_PAST_LEASE_MS = 10 * 60_000

/**
 * Records a claim's outcome. A store that cannot be reached is tried again in the background, backing
 * off, until it answers or the time runs out: a completion lost to an outage would otherwise let a resend
 * run the handler a second time (retried until {@link COMPLETION_RETRY_PAST_LEASE_MS} past the lease),
 * and a lost release would hold the sender's retries at 409 until the lease ends (retried while it
 * lasts: past it the key is free anyway). The response never waits for those retries.
 */
export function settleClaim(config: PipelineConfig, claim: TakenClaim, outcome: ClaimOutcome, retryInMs = 100): Promise<void> {
  const { key, owner, leaseEndsAt, held } = claim
  // Nothing awaits this after a handler timeout (nor the retry's timer): see storeCall.
  const attempt = storeCall(() =>
    outcome === 'complete' ? config.store.complete(key, owner, config.retentionMs) : config.store.release(key, owner),
  )
  return attempt.then(
    () => {
      if (outcome === 'complete') forgetOwedCompletion(config, key, owner)
      held.settle()
    },
    () => {
      const retryUntil = outcome === 'complete' ? leaseEndsAt + COMPLETION_RETRY_PAST_LEASE_MS : leaseEndsAt
      // A clock that throws or reads NaN makes this NaN, which compares false: the outcome is given up (and
      // the claim settled) instead of retried for ever, or left counted so that drain() waits out its timeout.
      if (!(clockReading(config.monotonicNow) + retryInMs < retryUntil)) {
        if (outcome === 'complete') forgetOwedCompletion(config, key, owner)
        held.settle()
        return
      }
      if (outcome === 'complete') config.completionsOwed.set(key, owner)
      const next = Math.min(retryInMs * 2, MAX_SETTLE_RETRY_MS)
      const timer = setTimeout(() => void settleClaim(config, claim, outcome, next), retryInMs)
      // A pending retry must not keep a process that is shutting down alive (Node; Web runtimes have no unref).
      ;(timer as { unref?: () => void }).unref?.()
    },
  )
}

/** Forgets the completion owed for `key`, when it is `owner`'s. */
export function forgetOwedCompletion(config: PipelineConfig, key: string, owner: string): void {
  if (config.completionsOwed.get(key) === owner) config.completionsOwed.delete(key)
}
