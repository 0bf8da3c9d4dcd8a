/**
 * `clockReading`: the receiver's clock (monotonic unless `now` is injected) read where a throw must not escape (an entry point must
 * always resolve with a response; a claim must always be settled).
 *
 * @module
 */

/**
 * The clock's reading, or NaN when it throws or reads NaN or Infinity: a duration is then NaN, and a claim's
 * deadlines count as passed (its outcome is tried once, not retried). The clock that gates signed timestamps
 * fails the delivery instead (run-pipeline.ts's readClock: 500 internal_error).
 *
 * @example
 * ```ts
 * const startedAt = clockReading(config.monotonicNow) // NaN rather than a throw
 * ```
 */
export function clockReading(now: () => number): number {
  try {
    const nowMs = now()
    return Number.isFinite(nowMs) ? nowMs : Number.NaN
  } catch {
    return Number.NaN
  }
}
