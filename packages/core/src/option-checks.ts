/**
 * The checks every factory runs on its numeric options (`createReceiver`, the stores), so a value no timer
 * or server can hold is a `TypeError` at start, not a failure on every delivery.
 *
 * @module
 */

/**
 * The longest delay a timer keeps: Node fires a longer `setTimeout` after 1 ms (with a warning), so a
 * `handlerTimeoutMs` of 3e9 would time every handler out at once.
 *
 * @example
 * ```ts
 * createReceiver({ provider, secret, handlerTimeoutMs: MAX_TIMER_MS }) // the longest a handler may take
 * ```
 */
export const MAX_TIMER_MS = 2_147_483_647

/**
 * The longest lease or retention a store takes, about 31 years: Redis's `PX` and PostgreSQL's `interval`
 * overflow far above it (PostgreSQL near 9.2e15 ms), and a longer one would fail the script or statement,
 * and every other call batched with it, on every delivery.
 *
 * @example
 * ```ts
 * createReceiver({ provider, secret, retentionMs: MAX_STORE_MS }) // the longest memory a store takes
 * ```
 */
export const MAX_STORE_MS = 1e12

/** Limits of {@link positiveOption}. */
export interface PositiveOptionLimits {
  /** Largest accepted value; default none (any finite number). */
  max?: number
  /** Accept 0 too (an option where 0 turns something off); default false. */
  allowZero?: boolean
}

/**
 * A numeric option: `fallback` when left out, else a finite number above 0 (or 0 with `allowZero`) and at
 * most `max`, or a `TypeError` naming the option.
 *
 * @example
 * ```ts
 * const commandTimeoutMs = positiveOption('commandTimeoutMs', options.commandTimeoutMs, 2_000, { max: MAX_TIMER_MS })
 * ```
 */
export function positiveOption(name: string, value: number | undefined, fallback: number, limits: PositiveOptionLimits = {}): number {
  if (value === undefined) return fallback
  const { max = Number.MAX_VALUE, allowZero = false } = limits
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !allowZero) || value > max) {
    const range = limits.max === undefined ? '' : ` up to ${max}`
    throw new TypeError(`crm-webhooks: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number${range}`)
  }
  return value
}
