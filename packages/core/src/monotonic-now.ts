/**
 * `monotonicNow`: the clock of leases, retry budgets, body deadlines and durations when none is injected,
 * shared by the pipeline, the memory store, and the Redis and PostgreSQL stores' own deadlines.
 *
 * @module
 */

/**
 * Ms on this process's monotonic clock, anchored at its start: the wall clock's steps (NTP, a resumed VM)
 * move neither a lease's end nor a retry budget, so they neither end a budget early nor stretch it for hours.
 *
 * @example
 * ```ts
 * const leaseEndsAt = monotonicNow() + lockTtlMs
 * ```
 */
export function monotonicNow(): number {
  return performance.timeOrigin + performance.now()
}
