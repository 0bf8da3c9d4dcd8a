/**
 * The delivery log of seed 000's "Delivery Log tab": per attempt the time, the HTTP status, the first
 * 1000 characters of the response body, the duration in ms and the attempt number; per delivery what
 * was sent, so a logged delivery can be resent (seed 002's "inspect and resend").
 *
 * @module
 */
import type { OutgoingEvent } from '@crm-webhooks/core'

/**
 * How much of a response body the log keeps (seed 000: "first 1000 characters").
 *
 * @example
 * ```ts
 * attempt.responseBody.length <= RESPONSE_BODY_LIMIT // always
 * ```
 */
export const RESPONSE_BODY_LIMIT = 1000

/**
 * The first {@link RESPONSE_BODY_LIMIT} characters (UTF-16 code units) of a response body, less a high
 * surrogate the cut would part from its pair: half an emoji would print as U+FFFD, and a log kept as UTF-8
 * could not hold it.
 *
 * @example
 * ```ts
 * cutResponseBody('a'.repeat(999) + '😀').length // 999: the emoji goes whole
 * ```
 */
export function cutResponseBody(text: string): string {
  const cut = text.slice(0, RESPONSE_BODY_LIMIT)
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut
}

/** One attempt at delivering, as the log shows it. */
export interface DeliveryAttempt {
  readonly deliveryId: string
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number
  /** When the attempt started, ISO 8601. */
  readonly time: string
  /** The HTTP status, or `undefined` when no response came (timeout, connection refused). */
  readonly status: number | undefined
  /** Whether the status was 2xx. */
  readonly ok: boolean
  /** Why no response came: `timeout`, `network`, or `cancelled` (the send was aborted or the sender closed mid-attempt). */
  readonly error: 'timeout' | 'network' | 'cancelled' | undefined
  /** The first {@link RESPONSE_BODY_LIMIT} characters of the response body (a surrogate pair is kept whole or left out), or the transport error's message. */
  readonly responseBody: string
  readonly durationMs: number
  /**
   * The response's `Retry-After`, in ms, when it had one (as the transport reported it). The next retry waits
   * at least that long, at most 24 h, but never past the receiver's retention less an attempt's timeout,
   * counted from the first failure (one due later runs then, as the last); a value that is no wait (NaN,
   * negative) leaves the schedule as it is.
   */
  readonly retryAfterMs?: number
}

/** Where a delivery stands: `pending` while attempts remain, then one of the {@link FinalDeliveryState}s. */
export type DeliveryState = 'pending' | FinalDeliveryState

/** How a delivery ended: what a {@link DeliveryLog}'s `close` records and a send resolves with. */
export type FinalDeliveryState = 'delivered' | 'failed' | 'disabled' | 'cancelled'

/** What was sent, kept so it can be sent again. */
export interface LoggedRequest {
  readonly method: string
  readonly url: string
  /** The headers before signing: a resend signs again (a signed timestamp must be fresh). */
  readonly headers: Readonly<Record<string, string>>
  /** The exact body; `undefined` for a bodiless GET/HEAD/DELETE whose fields travel in the URL. */
  readonly body: string | undefined
}

/** One delivery of one event, with its attempts. */
export interface DeliveryRecord {
  readonly deliveryId: string
  readonly event: OutgoingEvent
  readonly request: LoggedRequest
  /** The delivery this one resends, when it is a resend. */
  readonly resendOf: string | undefined
  state: DeliveryState
  readonly attempts: DeliveryAttempt[]
}

/** The log a sender writes to; bring your own to persist it. */
export interface DeliveryLog {
  /** Starts a delivery record (the oldest record goes once the log is full). */
  open(record: DeliveryRecord): void
  /** Appends an attempt to its delivery. */
  append(attempt: DeliveryAttempt): void
  /** Marks where a delivery ended. */
  close(deliveryId: string, state: FinalDeliveryState): void
  get(deliveryId: string): DeliveryRecord | undefined
  /** Deliveries, oldest first. */
  list(): DeliveryRecord[]
  /** Every attempt of every delivery, oldest first: the seed's log table. */
  attempts(): DeliveryAttempt[]
}

/** Options of {@link createDeliveryLog}. */
export interface DeliveryLogOptions {
  /** Deliveries kept; default 1000. */
  maxDeliveries?: number
}

/**
 * An in-memory delivery log, bounded to the last `maxDeliveries` deliveries.
 *
 * @example
 * ```ts
 * const log = createDeliveryLog({ maxDeliveries: 100 })
 * const sender = createSender({ provider, secret, url, log })
 * for (const row of log.attempts()) console.log(row.time, row.status, row.durationMs, row.attempt)
 * ```
 */
export function createDeliveryLog(options: DeliveryLogOptions = {}): DeliveryLog {
  const maxDeliveries = options.maxDeliveries ?? 1000
  if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1) {
    throw new TypeError('crm-webhooks: maxDeliveries must be a positive integer')
  }
  // A Map keeps insertion order, so its first key is the oldest delivery.
  const records = new Map<string, DeliveryRecord>()
  return {
    open(record) {
      records.set(record.deliveryId, record)
      if (records.size > maxDeliveries) records.delete(records.keys().next().value!)
    },
    append(attempt) {
      records.get(attempt.deliveryId)?.attempts.push(attempt)
    },
    close(deliveryId, state) {
      const record = records.get(deliveryId)
      if (record) record.state = state
    },
    get: (deliveryId) => records.get(deliveryId),
    list: () => [...records.values()],
    attempts: () => [...records.values()].flatMap((record) => record.attempts),
  }
}
