/**
 * Time for the sender: `now` and timers behind one small interface, so a test swaps in a manual clock
 * and runs seed 000's 24 h retry schedule in milliseconds (house style #14).
 *
 * @module
 */
import { MAX_TIMER_MS } from '@crm-webhooks/core'

/** Opaque handle a {@link Clock} returns from `setTimeout`. */
export type TimerHandle = unknown

/** What the sender reads time from and schedules with. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle
  /** Cancels a timer; a fired or unknown handle is ignored. */
  clearTimeout(handle: TimerHandle): void
}

/**
 * The real clock: `Date.now` and the global timers.
 *
 * @example
 * ```ts
 * const sender = createSender({ provider, secret, url, clock: systemClock })
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
}

/**
 * Waits `ms` on `clock`. Resolves `true` when the time passed, `false` as soon as `signal` aborts, so a
 * disabled or closed sender stops waiting for a retry that will never run.
 *
 * @example
 * ```ts
 * if (!(await sleep(clock, 60_000, signal))) return // cancelled
 * ```
 */
export async function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  // A timer past 2^31-1 ms fires at once (Node warns and waits 1 ms): a long wait goes in pieces.
  let left = ms
  while (left > MAX_TIMER_MS) {
    if (!(await sleepOnce(clock, MAX_TIMER_MS, signal))) return false
    left -= MAX_TIMER_MS
  }
  return sleepOnce(clock, left, signal)
}

function sleepOnce(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(handle)
      resolve(false)
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
