/**
 * `runDelivery`: the delivery loop of one send or resend. It makes the attempts, each signed afresh, waits
 * between them on the retry policy's schedule (longer when the receiver asks with Retry-After), and writes
 * the delivery's record and attempts to the log. What outlives one delivery (the failure count,
 * auto-disable, close() and the caller's signal) belongs to the sender that calls it.
 *
 * @module
 */
import { DEFAULT_RETENTION_MS, type OutgoingEvent, type Provider, type SecretInput } from '@crm-webhooks/core'
import { type Clock, sleep } from './clock.js'
import { signRequest } from './compose-request.js'
import { type DeliveryAttempt, type DeliveryLog, type DeliveryRecord, type FinalDeliveryState, cutResponseBody } from './delivery-log.js'
import type { RetryPolicy } from './retry-policy.js'
import type { Transport } from './transport.js'

/** The longest wait a receiver's Retry-After can add before a retry: the longest any seed schedules. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000

/** When the next retry of a failed attempt runs. */
export interface NextRetry {
  /** 1-based retry number. */
  readonly retry: number
  /** When it runs, ms since the epoch on the sender's clock. */
  readonly at: number
  readonly inMs: number
}

/** How a delivery ended. */
export interface DeliveryResult {
  readonly deliveryId: string
  readonly event: OutgoingEvent
  /** True when an attempt got a 2xx. */
  readonly ok: boolean
  /** Never `pending`: a result exists once the delivery ended. */
  readonly state: FinalDeliveryState
  /** The last attempt's status, if it got a response. */
  readonly status: number | undefined
  readonly attempts: readonly DeliveryAttempt[]
}

/** What a delivery uses of its sender; the sender builds it once and hands it to every delivery. */
export interface DeliverySender {
  readonly provider: Provider
  /** The secrets every attempt signs with, as `checkSigningSecrets` returned them. */
  readonly secrets: readonly SecretInput[]
  readonly policy: RetryPolicy
  readonly clock: Clock
  readonly transport: Transport
  readonly log: DeliveryLog
  /** Read live, not copied: auto-disable and close() may come while a delivery is under way. */
  readonly disabled: boolean
  readonly closed: boolean
  /** An attempt got a 2xx: the sender's count of failures in a row starts again. */
  recordSuccess(): void
  /** An attempt failed (not cancelled): it counts towards auto-disable. */
  recordFailure(status: number | undefined): void
  /** Hands an attempt, and the retry that follows it if any, to the sender's `onAttempt`. */
  observe(attempt: DeliveryAttempt, next: NextRetry | undefined): void
}

/**
 * This delivery's own signals, which its waits and attempts listen to. Auto-disable aborts `stopped` alone,
 * letting an attempt in flight finish; close() and the caller's signal abort both.
 */
export interface DeliverySignals {
  /** Wakes a waiting retry, which then does not run. */
  readonly stopped: AbortSignal
  /** Cancels the attempt in flight. */
  readonly cancelled: AbortSignal
}

/**
 * Runs one delivery: opens its record in the log, makes up to `maxRetries + 1` attempts on the policy's
 * schedule, and closes the record with the state it ends in. Rejects only when signing refuses the
 * request, after closing the record `failed`.
 *
 * @example
 * ```ts
 * const stop = new AbortController()
 * const cancel = new AbortController()
 * const result = await runDelivery(sender, record, sender.policy.maxRetries, { stopped: stop.signal, cancelled: cancel.signal })
 * result.state // 'delivered' | 'failed' | 'disabled' | 'cancelled'
 * ```
 */
export async function runDelivery(
  sender: DeliverySender,
  record: DeliveryRecord,
  maxRetries: number,
  { stopped, cancelled }: DeliverySignals,
): Promise<DeliveryResult> {
  const { clock, log, policy } = sender
  log.open(record)
  // The result keeps its own attempts: the log is only a sink, which may hold a copy of the record (a log
  // of your own) or have dropped it already (the default log keeps the last 1000 deliveries).
  const attempts: DeliveryAttempt[] = []
  const finish = (state: FinalDeliveryState): DeliveryResult => {
    log.close(record.deliveryId, state)
    return { deliveryId: record.deliveryId, event: record.event, ok: state === 'delivered', state, status: attempts.at(-1)?.status, attempts }
  }
  const interrupted = (): FinalDeliveryState | undefined =>
    sender.disabled ? 'disabled' : stopped.aborted || sender.closed ? 'cancelled' : undefined
  let initialFailureAt = 0
  let nextAt = 0
  // The receiver remembers a delivery for its retentionMs from when it handled it, which may be as early as
  // the first attempt (the sender seeing only a timeout), so a retry after that runs the handler again. The
  // schedule alone keeps within it (assertRetriesWithinRetention), but Retry-After waits move every later
  // retry, and a receiver answering 503 with a day's wait several times in a row could move the last by days.
  // No retry goes later than an attempt's timeout before that, counted from the first attempt's failure as
  // that check counts the schedule (so the cap never cuts a schedule it accepted): one due later runs then,
  // sooner than asked, and is the last.
  const retentionMs = sender.provider.retentionMs ?? DEFAULT_RETENTION_MS
  let latestRetryAt = Infinity
  let retriesLeft = maxRetries
  for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
    if (attempt > 1) await sleep(clock, nextAt - clock.now(), stopped)
    const stop = interrupted()
    if (stop) return finish(stop)
    let entry: DeliveryAttempt
    try {
      entry = await attemptOnce(sender, record, attempt, cancelled)
    } catch (error) {
      // Signing refused the request (a Standard Webhooks id holding a '.'): nothing was sent, but the
      // record must not stay pending in the log for good.
      log.close(record.deliveryId, 'failed')
      throw error
    }
    attempts.push(entry)
    // Aborted or closed mid-attempt: not the endpoint's failure, so it does not count towards auto-disable.
    // Still an attempt: observers (the CLI's progress lines) hear of it like any other.
    if (entry.error === 'cancelled') {
      sender.observe(entry, undefined)
      return finish('cancelled')
    }
    if (entry.ok) {
      sender.recordSuccess()
      sender.observe(entry, undefined)
      return finish('delivered')
    }
    if (attempt === 1) {
      initialFailureAt = clock.now()
      latestRetryAt = initialFailureAt + retentionMs - policy.timeoutMs
    }
    sender.recordFailure(entry.status)
    const retry = retriesLeft-- > 0 && !sender.disabled && clock.now() < latestRetryAt ? attempt : undefined
    if (retry === undefined) {
      sender.observe(entry, undefined)
      break
    }
    // The schedule's time, or later when the receiver asked for it with Retry-After (Standard Webhooks:
    // it "should be taken into consideration"; our receiver sends it with 409 and 503), capped at a day.
    // Once a wait has pushed a retry past the schedule, the rest keep the schedule's gaps from it, rather
    // than all falling due at once and reaching a receiver that just asked for time in a burst.
    // A custom Transport's NaN would make every time after it NaN: retries at once, and past any cap.
    const waitMs = entry.retryAfterMs
    const asked = waitMs !== undefined && waitMs >= 0 ? clock.now() + Math.min(waitMs, MAX_RETRY_AFTER_MS) : 0
    const offset = policy.retryOffsetMs(retry)
    const gap = offset - (retry > 1 ? policy.retryOffsetMs(retry - 1) : 0)
    const lastScheduledAt = retry > 1 ? nextAt : initialFailureAt
    nextAt = Math.max(initialFailureAt + offset, lastScheduledAt + gap, asked)
    if (nextAt > latestRetryAt) {
      nextAt = latestRetryAt
      retriesLeft = 0
    }
    sender.observe(entry, { retry, at: nextAt, inMs: Math.max(0, nextAt - clock.now()) })
  }
  return finish(sender.disabled ? 'disabled' : 'failed')
}

/** Signs and sends one attempt, and appends it to the log. */
async function attemptOnce(
  { provider, secrets, policy, clock, transport, log }: DeliverySender,
  record: DeliveryRecord,
  attempt: number,
  cancelled: AbortSignal,
): Promise<DeliveryAttempt> {
  const startedAt = clock.now()
  const signed = await signRequest(provider, record.request, record.event, secrets, startedAt)
  const result = await transport(signed, { timeoutMs: policy.timeoutMs, signal: cancelled })
  const entry: DeliveryAttempt = {
    deliveryId: record.deliveryId,
    attempt,
    time: new Date(startedAt).toISOString(),
    status: result.status,
    ok: result.status !== undefined && result.status >= 200 && result.status < 300,
    error: result.error,
    // Cut here, not only in the default transport: a transport of your own may answer a whole body.
    responseBody: cutResponseBody(result.responseBody),
    durationMs: result.durationMs,
    ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
  }
  log.append(entry)
  return entry
}
