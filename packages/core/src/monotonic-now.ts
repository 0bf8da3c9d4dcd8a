/**
 * `monotonicNow`: the clock of leases, retry budgets, body deadlines and durations when none is injected,
 * shared by the pipeline, the memory store, and the Redis and PostgreSQL stores' own deadlines.
 *
 * @module
 */

// Read once, when first needed (not at load: a startup snapshot would keep the origin of the process that built
// it): the origin never moves, and its getter is a call into C++ on Node (~40 ns), made per reading otherwise,
// several times per delivery.
let timeOrigin: number | undefined

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
  return (timeOrigin ??= performance.timeOrigin) + performance.now()
}
