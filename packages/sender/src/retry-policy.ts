/**
 * Seed 000's retry policy: retries at 1 m, 5 m, 30 m, 2 h and 24 h after the initial failure; 0 to 10
 * retries; a 5-60 s timeout per attempt (30 s by default); optionally auto-disable the endpoint after N
 * consecutive failures. It is the only schedule any seed gives, so it is every provider's starting point;
 * {@link PROVIDER_RETRY_DEFAULTS} changes what another seed says its CRM does differently.
 *
 * Choice where the seed is vague: "at 1 minute, 5 minutes, ... after the initial failure" reads as
 * offsets from the moment the first attempt failed, not gaps between attempts, so the fifth retry
 * lands 24 h after the failure (not 26 h 36 m). Retries past the end of the schedule (up to 10 are
 * allowed, the schedule names 5) keep the schedule's last offset as their interval: 48 h, 72 h, ...
 *
 * @module
 */
import { DEFAULT_RETENTION_MS, MAX_STORE_MS, type Provider } from '@crm-webhooks/core'

const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/**
 * Seed 000's schedule, as offsets from the initial failure in ms.
 *
 * @example
 * ```ts
 * createRetryPolicy({ schedule: DEFAULT_RETRY_SCHEDULE.slice(0, 3), maxRetries: 3 }) // 1 m, 5 m, 30 m
 * ```
 */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 24 * HOUR]

/** Options of {@link createRetryPolicy}; every field is optional and defaults to seed 000. */
export interface RetryPolicyOptions {
  /** Retries after the first attempt, 0-10; default 5. `createSender` also wants the last within the receiver's memory ({@link assertRetriesWithinRetention}). */
  maxRetries?: number
  /** When each retry runs, as ascending offsets in ms from the initial failure; default 1 m, 5 m, 30 m, 2 h, 24 h. */
  schedule?: readonly number[]
  /** Time allowed to each attempt, 5 000-60 000 ms; default 30 000. */
  timeoutMs?: number
  /** Disable the endpoint after this many consecutive failed attempts (seed 000's example: 50); default never. */
  disableAfterConsecutiveFailures?: number
  /** Stop and disable the endpoint when it answers `410 Gone`, as Standard Webhooks asks; default false. */
  disableOnGone?: boolean
}

/** A checked, resolved retry policy. */
export interface RetryPolicy {
  readonly maxRetries: number
  readonly schedule: readonly number[]
  readonly timeoutMs: number
  readonly disableAfterConsecutiveFailures: number | undefined
  readonly disableOnGone: boolean
  /** Offset in ms from the initial failure at which retry number `retry` (1-based) runs. */
  retryOffsetMs(retry: number): number
}

/** Delays between attempts as offsets from the first failure: `[5 s, 5 m]` becomes `[5 s, 5 m 5 s]`. */
function runningTotals(delays: readonly number[]): number[] {
  let total = 0
  return delays.map((delay) => (total += delay))
}

/**
 * Where a seed describes its CRM's failed deliveries otherwise than seed 000, the retry options that
 * follow it (over seed 000's defaults); a provider not listed, your own included, retries as seed 000 does.
 *
 * - `connectgain`: seed 001 calls its webhooks "fire-and-forget", "sent synchronously", and asks for an
 *   answer "within 5 seconds": one attempt of 5 s. (Its "may be retried" is read as advice to receivers.)
 * - `customermates`: seed 002 keeps failed deliveries so "teams can inspect and resend them manually": one
 *   attempt; `sender.resend(id)` is the manual resend.
 * - `autorespond`: seed 004 treats any other status as "a delivery failure" and names no retry: one attempt.
 * - `standard-webhooks`: the specification's "example retry schedule": delays of 5 s, 5 m, 30 m, 2 h, 5 h,
 *   10 h, 14 h, 20 h and 24 h, each after the attempt before, as its "Time since start" column adds them up
 *   (00:00:05, 00:05:05, ... 75:35:05): 9 retries, the last 75 h 35 m 5 s after the first failure; and a
 *   `410 Gone` disables the endpoint ("Sender should disable the webhook endpoint, and stop sending it
 *   messages").
 * - `workflow-platform` ("may retry failed webhook deliveries", a 2xx "within 30 seconds") names no
 *   schedule, so it keeps seed 000's.
 *
 * @example
 * ```ts
 * createRetryPolicy(PROVIDER_RETRY_DEFAULTS.connectgain) // maxRetries 0, timeoutMs 5000
 * ```
 */
export const PROVIDER_RETRY_DEFAULTS: Readonly<Record<string, RetryPolicyOptions>> = {
  connectgain: { maxRetries: 0, timeoutMs: 5_000 },
  customermates: { maxRetries: 0 },
  autorespond: { maxRetries: 0 },
  'standard-webhooks': {
    maxRetries: 9,
    schedule: runningTotals([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR]),
    disableOnGone: true,
  },
}

/**
 * The retry policy of a sender for `providerId`: each option given wins, each one left out (or
 * `undefined`) comes from {@link PROVIDER_RETRY_DEFAULTS}, then from seed 000.
 *
 * @example
 * ```ts
 * providerRetryPolicy('customermates').maxRetries // 0: resent by hand
 * providerRetryPolicy('customermates', { maxRetries: 3 }).retryOffsetMs(3) // 1800000, on seed 000's schedule
 * ```
 */
export function providerRetryPolicy(providerId: string, given?: RetryPolicyOptions): RetryPolicy {
  const options = retryOptions(given)
  const defaults = Object.hasOwn(PROVIDER_RETRY_DEFAULTS, providerId) ? PROVIDER_RETRY_DEFAULTS[providerId]! : {}
  return createRetryPolicy({
    maxRetries: options.maxRetries ?? defaults.maxRetries,
    schedule: options.schedule ?? defaults.schedule,
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
    disableAfterConsecutiveFailures: options.disableAfterConsecutiveFailures ?? defaults.disableAfterConsecutiveFailures,
    disableOnGone: options.disableOnGone ?? defaults.disableOnGone,
  })
}

/** The options given, or none; anything but an object (`retry: null`) is a `TypeError`, as a bad setting is. */
function retryOptions(options: RetryPolicyOptions | undefined): RetryPolicyOptions {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`crm-webhooks: the retry options must be an object (got ${options === null ? 'null' : typeof options})`)
  }
  return options
}

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`crm-webhooks: ${name} must be an integer from ${min} to ${max} (got ${value})`)
  }
  return value
}

/**
 * The bounds of an attempt's timeout, seed 000's "5-60 seconds": what `timeoutMs` may be.
 *
 * @example
 * ```ts
 * ATTEMPT_TIMEOUT_MS.max // 60000
 * ```
 */
export const ATTEMPT_TIMEOUT_MS = { min: 5_000, max: 60_000 } as const

/**
 * The bounds of `maxRetries`, seed 000's "0 to 10 retries": the most any seed's sender makes.
 *
 * @example
 * ```ts
 * RETRY_COUNT.max // 10
 * ```
 */
export const RETRY_COUNT = { min: 0, max: 10 } as const

/**
 * Checks retry options against seed 000's limits and resolves the defaults; a value out of range is a
 * `TypeError`, as every configuration mistake is.
 *
 * @example
 * ```ts
 * const policy = createRetryPolicy({ maxRetries: 3, timeoutMs: 10_000, disableAfterConsecutiveFailures: 50 })
 * policy.retryOffsetMs(2) // 300000: the second retry runs 5 minutes after the initial failure
 * ```
 */
export function createRetryPolicy(given?: RetryPolicyOptions): RetryPolicy {
  const options = retryOptions(given)
  const maxRetries = integerIn('maxRetries', options.maxRetries ?? 5, RETRY_COUNT.min, RETRY_COUNT.max)
  const timeoutMs = integerIn('timeoutMs', options.timeoutMs ?? 30_000, ATTEMPT_TIMEOUT_MS.min, ATTEMPT_TIMEOUT_MS.max)
  const schedule = [...(options.schedule ?? DEFAULT_RETRY_SCHEDULE)]
  if (schedule.length === 0) throw new TypeError('crm-webhooks: the retry schedule needs at least one offset')
  schedule.forEach((offset, index) => {
    if (!Number.isFinite(offset) || offset < 0 || (index > 0 && offset <= schedule[index - 1]!)) {
      throw new TypeError('crm-webhooks: the retry schedule must be ascending, non-negative offsets in ms')
    }
    // About 31 years: past it no retry time can even be written as a date.
    if (offset > MAX_STORE_MS) throw new TypeError(`crm-webhooks: a retry offset must be at most ${MAX_STORE_MS} ms`)
  })
  const disableAfter = options.disableAfterConsecutiveFailures
  if (disableAfter !== undefined) integerIn('disableAfterConsecutiveFailures', disableAfter, 1, Number.MAX_SAFE_INTEGER)
  const disableOnGone = options.disableOnGone ?? false
  if (typeof disableOnGone !== 'boolean') throw new TypeError('crm-webhooks: disableOnGone must be a boolean')
  const last = schedule[schedule.length - 1]!
  return {
    maxRetries,
    schedule,
    timeoutMs,
    disableAfterConsecutiveFailures: disableAfter,
    disableOnGone,
    retryOffsetMs(retry: number) {
      integerIn('retry', retry, 1, maxRetries)
      return retry <= schedule.length ? schedule[retry - 1]! : last + (retry - schedule.length) * last
    },
  }
}

/**
 * Throws a `TypeError` when the policy's last retry could reach the provider's receiver after it forgot the
 * delivery: the receiver remembers a completed delivery for the provider's `retentionMs` (72 h where it
 * names none), counted from when it handled it, which may be as early as the first attempt, whose failure
 * the sender may see only at its timeout. A retry past that is handled again, the duplicate an idempotency
 * key exists to stop (AutomateNexus's 7th retry on seed 000's schedule, at 72 h, was). A receiver configured
 * to remember longer is reached through a provider saying so: `{ ...provider, retentionMs }`.
 *
 * Only the planned schedule is checked here. A receiver that answers `Retry-After` (honoured up to a day)
 * moves the retries after it later; the sender then runs a retry that would fall past the retention (less
 * an attempt's timeout, from the first failure, as here) at that time instead, as the last.
 *
 * @example
 * ```ts
 * assertRetriesWithinRetention(createRetryPolicy({ maxRetries: 6 }), workflowPlatform) // last retry at 48 h: fine
 * assertRetriesWithinRetention(createRetryPolicy({ maxRetries: 7 }), workflowPlatform) // 72 h: TypeError
 * ```
 */
export function assertRetriesWithinRetention(policy: RetryPolicy, provider: Provider): void {
  const most = mostRetriesWithinRetention(policy, provider)
  if (most === policy.maxRetries) return
  const retentionMs = provider.retentionMs ?? DEFAULT_RETENTION_MS
  throw new TypeError(
    `crm-webhooks: ${policy.maxRetries} retries put the last one ${formatDuration(policy.retryOffsetMs(policy.maxRetries))} after the first failure, but a ${provider.id} ` +
      `receiver remembers a delivery ${formatDuration(retentionMs)} (the provider's retentionMs) and the retry must come an attempt's timeout ` +
      `(${formatDuration(policy.timeoutMs)}) before then, or it is handled again: use at most ${most} retries on this schedule, or an earlier schedule`,
  )
}

/**
 * The most retries, up to the policy's own `maxRetries`, that the policy's schedule and timeout keep within
 * the provider's receiver's memory (the rule of {@link assertRetriesWithinRetention}); 0 when even the first
 * could come too late. Ask a policy of {@link RETRY_COUNT}'s most, 10 retries, for the most a schedule allows.
 *
 * @example
 * ```ts
 * mostRetriesWithinRetention(providerRetryPolicy('workflow-platform', { maxRetries: 10 }), workflowPlatform) // 6
 * ```
 */
export function mostRetriesWithinRetention(policy: RetryPolicy, provider: Provider): number {
  const retentionMs = provider.retentionMs ?? DEFAULT_RETENTION_MS
  let most = policy.maxRetries
  while (most > 0 && policy.retryOffsetMs(most) + policy.timeoutMs >= retentionMs) most -= 1
  return most
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: MINUTE, h: HOUR, d: 24 * HOUR }

/**
 * Parses a duration such as `1m`, `30s`, `2h`, `24h`, `1d` or `250ms` into milliseconds; `undefined`
 * when it is not one.
 *
 * @example
 * ```ts
 * parseDuration('2h') // 7200000
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim())
  return match ? Math.round(Number(match[1]) * UNIT_MS[match[2]!]!) : undefined
}

/**
 * Parses a comma-separated schedule (`1m,5m,30m,2h,24h`) into offsets in ms; throws a `TypeError`
 * naming the first part that is not a duration.
 *
 * @example
 * ```ts
 * parseRetrySchedule('1m,5m') // [60000, 300000]
 * ```
 */
export function parseRetrySchedule(text: string): number[] {
  return text.split(',').map((part) => {
    const ms = parseDuration(part)
    if (ms === undefined) throw new TypeError(`crm-webhooks: ${JSON.stringify(part)} is not a duration like 500ms, 30s, 1m, 2h or 1d`)
    return ms
  })
}

/**
 * Writes a duration the way the schedule is written: `250ms`, `30s`, `1m`, `1h 30m`, `22h`, `1d 2h`.
 *
 * @example
 * ```ts
 * formatDuration(5_400_000) // '1h 30m'
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`
  const parts: string[] = []
  let rest = Math.round(ms / 1000)
  for (const [unit, seconds] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const count = Math.floor(rest / seconds)
    rest -= count * seconds
    if (count > 0 && parts.length < 2) parts.push(`${count}${unit}`)
  }
  return parts.join(' ')
}
