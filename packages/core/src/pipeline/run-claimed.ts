/**
 * The exactly-once part of the pipeline: claiming a delivery's idempotency key, running the handler under
 * the claim with a deadline, then completing the claim (or releasing it, so the sender's retry runs again).
 * A handler that finishes synchronously is completed at once: no timer, no race.
 *
 * @module
 */
import { HandlerError, IdempotencyError, isInstanceOf } from '../errors.js'
import type { ClaimResult, ClaimVersion } from '../idempotency/idempotency-store.js'
import { isThenable } from '../schemes/maybe-promise.js'
import { storeUnavailableError } from '../idempotency/store-deadline.js'
import { clockReading } from './clock-reading.js'
import type { PipelineConfig } from './pipeline-config.js'
import { handlerFailed, runWithDeadline } from './run-with-deadline.js'
import { type WaitUntil, handToRuntime } from './wait-until.js'
import { type TakenClaim, forgetOwedCompletion, settleClaim, storeCall } from './settle-claim.js'

/**
 * The error every failed store call becomes: 503 with a Retry-After, so the sender tries again later.
 *
 * @example
 * ```ts
 * throw storeUnavailable(caught)
 * ```
 */
export function storeUnavailable(cause: unknown): IdempotencyError {
  return storeUnavailableError('the idempotency store is unavailable; retry later', cause)
}

/**
 * What a claim of a fresh delivery answers: the claim taken (see {@link TakenClaim}) and, given a version,
 * the ordering guard's verdict.
 */
export type ClaimOnce = { duplicate: true } | ({ duplicate: false; stale: boolean | undefined } & TakenClaim)

/**
 * Claims `key` for a fresh owner token; a completed key is a duplicate, a key claimed by a live owner is
 * `delivery_in_progress` (409 with Retry-After). Given `version`, records it with the claim (the ordering
 * guard): in the same round trip when the store can, else by `recordVersion` once the claim is held. A key
 * whose completion this receiver still owes is completed first, and answered 503 while that fails. Given
 * `waitUntil`, a claim taken hands it the claim's settling, which may outlive the answer.
 *
 * @example
 * ```ts
 * const claimed = await claimOnce(config, 'automatenexus:sha256:ab12...')
 * if (!claimed.duplicate) await runClaimed(config, claimed, work)
 * ```
 */
export async function claimOnce(config: PipelineConfig, key: string, version?: ClaimVersion, waitUntil?: WaitUntil): Promise<ClaimOnce> {
  // Shutting down (drain() was called): a claim now could land after the store is closed, and run a
  // handler whose completion the closed store refuses.
  if (config.heldClaims.draining) throw storeUnavailableError('the receiver is shutting down; retry later')
  // Counted from before the store is asked, so drain() waits for a claim still on its way too; from a taken
  // claim on, settleClaim settles it once its outcome is recorded, and every other way out settles it here.
  // (One async function, not two: a frame and a promise fewer per delivery.)
  const held = config.heldClaims.take()
  let handedOver = false
  try {
    // A resend of a delivery whose completion this receiver still owes (the store was away): record the
    // completion first, or a claim landing between two background retries, once the lease has ended, would
    // take the key and run the handler again.
    if (config.completionsOwed.size !== 0 && config.completionsOwed.has(key)) await payOwedCompletion(config, key)
    // Claims of earlier resends that failed but may have landed since: given back first, or this resend would
    // meet one as a delivery in progress (409) until its lease ends. Looked up without an await: most keys owe none.
    const owedOwners = config.releasesOwed.size === 0 ? [] : config.releasesOwed.ownersOf(key, clockReading(config.monotonicNow))
    if (owedOwners.length !== 0) await payOwedReleases(config, key, owedOwners)
    const owner = config.ownerToken()
    // The store's lease starts when it takes the claim, at the earliest when it is asked.
    const leaseEndsAt = clockReading(config.monotonicNow) + config.lockTtlMs
    let claim: ClaimResult
    try {
      claim = await config.store.claim(key, owner, config.lockTtlMs, version)
    } catch (error) {
      oweRelease(config, key, owner)
      throw storeUnavailable(error)
    }
    // Only a claim the store says it took runs the handler: any other answer (a store of your own returning
    // nothing, or a state it made up) fails closed, as an unreachable store does.
    if (claim === null || typeof claim !== 'object') throw misanswered(config, key, owner, claim)
    let state: unknown, retryAfterMs: unknown, claimedStale: unknown
    try {
      ;({ state, retryAfterMs, stale: claimedStale } = claim as { state?: unknown; retryAfterMs?: unknown; stale?: unknown })
    } catch {
      throw misanswered(config, key, owner, claim) // members that throw as they are read (a store of your own)
    }
    // Completed, the key can no longer be taken by an earlier claim still on its way. A claim held now is not
    // enough: released when its handler fails, the key is free again for such a claim to land.
    if (state === 'completed' && config.releasesOwed.size !== 0) config.releasesOwed.forget(key)
    if (state === 'completed') return { duplicate: true }
    if (state === 'in_progress') {
      // A store of your own that names no finite wait, or one past the lease: the lease is the longest the claim can hold.
      const waitMs = typeof retryAfterMs === 'number' && retryAfterMs >= 0 ? Math.min(retryAfterMs, config.lockTtlMs) : config.lockTtlMs
      throw new IdempotencyError('delivery_in_progress', 'this delivery is being handled by another request; retry later', {
        retryAfterSeconds: Math.max(1, waitMs / 1000),
      })
    }
    if (state !== 'claimed' || (claimedStale !== undefined && typeof claimedStale !== 'boolean')) throw misanswered(config, key, owner, claim)
    // From here the claim is held: runClaimed (which always ends in settleClaim) takes it, or it is given back here.
    handedOver = true
    const taken: TakenClaim = { key, owner, leaseEndsAt, held }
    if (waitUntil) handToRuntime(waitUntil, taken.held.settled)
    let stale: unknown = claimedStale
    if (version !== undefined && claimedStale === undefined) {
      // A store that took the claim without the version (one of your own, written before claims carried it).
      try {
        ;({ stale } = (await config.store.recordVersion!(version.record, version.version, version.retentionMs)) as { stale?: unknown })
        // Checked as the claim's own verdict is: a handler that skips `if (event.stale)` would take the string
        // "false" as stale and acknowledge the update without applying it.
        if (typeof stale !== 'boolean') throw new TypeError(`the store's recordVersion answered stale: ${describeAnswer(stale)}`)
      } catch (error) {
        // Given back as a failed handler's claim is: a release lost to the same outage is retried while the
        // lease lasts, or the sender's retries would meet 409 until it ends.
        await settleClaim(config, taken, 'release')
        throw storeUnavailable(error)
      }
    }
    // Asked without an await first: a lease answered in good time (every delivery, nearly) costs no async frame.
    const leftMs = leaseEndsAt - clockReading(config.monotonicNow)
    if (leftMs <= config.handlerTimeoutMs) await refuseLeaseTooShort(config, taken, leftMs)
    // Written out rather than spread (`...taken`): a spread into a literal costs V8 a generic copy per delivery.
    return { duplicate: false, stale: stale as boolean | undefined, key, owner, leaseEndsAt, held }
  } finally {
    if (!handedOver) held.settle()
  }
}

/**
 * Gives back a claim answered so late that a handler finishing within `handlerTimeoutMs` could outlive its
 * lease (the check `createReceiver` makes of the two options, made again with what the store's answer took:
 * `leftMs`, no more than `handlerTimeoutMs`), and fails the delivery closed (503): run, it could meet another
 * instance's run of the same delivery once the lease lapsed, and its completion would be refused. (A clock
 * that reads NaN leaves nothing to compare: the lease is taken as it was asked for.)
 */
async function refuseLeaseTooShort(config: PipelineConfig, claim: TakenClaim, leftMs: number): Promise<void> {
  await settleClaim(config, claim, 'release')
  throw storeUnavailable(new Error(`the store answered the claim with ${Math.max(0, leftMs)} ms of its lease left, no more than handlerTimeoutMs`))
}

/** A claim's answer that is not one: the claim may still have landed, so its release is owed; 503. */
function misanswered(config: PipelineConfig, key: string, owner: string, claim: unknown): IdempotencyError {
  oweRelease(config, key, owner)
  return storeUnavailable(new TypeError(`the store's claim answered ${describeAnswer(claim)}`))
}

/** A store's answer as text for an error message, whatever it is (a cyclic object or a BigInt has no JSON). */
function describeAnswer(answer: unknown): string {
  try {
    return JSON.stringify(answer) ?? String(answer)
  } catch {
    return 'a value with no JSON'
  }
}

/** Records that `owner`'s claim on `key`, unanswered, may still land and hold the key for a lease. */
function oweRelease(config: PipelineConfig, key: string, owner: string): void {
  const now = clockReading(config.monotonicNow)
  config.releasesOwed.owe(key, owner, now + config.lockTtlMs, now)
}

/**
 * Gives back the claims earlier resends of `key` may have left (owner-checked, so nothing else is dropped);
 * each stays owed while the store answers that it holds no such claim (it may not have landed yet). A store
 * that fails the release fails the resend closed (503) at once: the claim would meet the same store and make
 * the sender wait a second deadline for the same answer.
 */
async function payOwedReleases(config: PipelineConfig, key: string, owners: readonly string[]): Promise<void> {
  for (const owner of owners) {
    let released: boolean
    try {
      released = (await storeCall(() => config.store.release(key, owner))) === true
    } catch (error) {
      throw storeUnavailable(error)
    }
    if (released) config.releasesOwed.forgetOwner(key, owner)
  }
}

/**
 * Runs `work` under a held claim: completes the claim when it succeeds, releases it when it fails so the
 * sender's retry runs it again. On the deadline the sender is answered 503 at once, but the claim is
 * settled only when the work itself settles, so a retry can never run beside a still-running handler.
 * A store that fails to record the outcome is retried in the background (see {@link settleClaim}).
 *
 * @example
 * ```ts
 * await runClaimed(config, claimed, () => config.dispatch(event))
 * ```
 */
export async function runClaimed(config: PipelineConfig, claim: TakenClaim, work: (() => unknown) | undefined): Promise<void> {
  // What a handler or hook returned: a promise to wait for; anything else (a row id it inserted) is no promise.
  let result: unknown
  let pending: boolean
  try {
    result = work?.()
    // Asked here: a hook's answer whose `then` getter throws has failed as surely as one that threw.
    pending = isThenable(result)
  } catch (error) {
    await settleClaim(config, claim, 'release')
    throw isInstanceOf(error, HandlerError) ? error : handlerFailed(error)
  }
  if (!pending) {
    // Finished synchronously (every handler was synchronous): nothing left to put a deadline on.
    await settleClaim(config, claim, 'complete')
    return
  }
  const running = Promise.resolve(result)
  const settled = running.then(
    () => settleClaim(config, claim, 'complete'),
    () => settleClaim(config, claim, 'release'),
  )
  try {
    await runWithDeadline(config, () => running)
  } catch (error) {
    if (isInstanceOf(error, HandlerError) && error.code === 'handler_timeout') throw error
    await settled
    throw error
  }
  await settled
}

/**
 * One more try at a completion owed for `key`, now; a failure leaves it to the background retries and
 * fails the resend closed (503). The claim must not go ahead: a store that comes and goes can refuse the
 * completion and grant the claim, and once the lease has ended that claim would run the handler again.
 */
async function payOwedCompletion(config: PipelineConfig, key: string): Promise<void> {
  const owner = config.completionsOwed.get(key)!
  try {
    await storeCall(() => config.store.complete(key, owner, config.retentionMs))
  } catch (error) {
    throw storeUnavailable(error)
  }
  forgetOwedCompletion(config, key, owner)
}
