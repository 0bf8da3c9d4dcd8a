/**
 * `createSender`: the reference sender. It signs through the provider's scheme, composes the body with
 * the provider's `compose`, and owns only what a sender adds: transport, retries on seed 000's
 * schedule, auto-disable, the delivery log and resend (house style #13).
 *
 * @module
 */
import { type OutgoingEvent, type Provider, type SecretInput, callObserver, checkSigningSecrets } from '@crm-webhooks/core'
import { createCallerSignalLinks } from './caller-signal-links.js'
import { type Clock, sleep, systemClock } from './clock.js'
import { type RequestShape, assertRequestShape, composeRequest, signRequest } from './compose-request.js'
import {
  type DeliveryAttempt,
  type DeliveryLog,
  type DeliveryRecord,
  type FinalDeliveryState,
  type LoggedRequest,
  createDeliveryLog,
  cutResponseBody,
} from './delivery-log.js'
import { type RetryPolicy, type RetryPolicyOptions, providerRetryPolicy } from './retry-policy.js'
import { type OutgoingRequest, type Transport, createFetchTransport } from './transport.js'

/** The longest wait a receiver's Retry-After can add before a retry: the longest any seed schedules. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000

/** An event to send: its type and data; the id and time default to fresh ones. */
export interface EventInput {
  readonly type: string
  /** What the event's schema validates (the envelope's `data`). */
  readonly data: unknown
  readonly id?: string
  readonly occurredAt?: Date
}

/** When the next retry of a failed attempt runs. */
export interface NextRetry {
  /** 1-based retry number. */
  readonly retry: number
  /** When it runs, ms since the epoch on the sender's clock. */
  readonly at: number
  readonly inMs: number
}

/** Options of {@link createSender}. */
export interface SenderOptions extends RequestShape {
  /** Who the sender impersonates: a built-in provider or your own `defineProvider(...)`. */
  provider: Provider
  /**
   * The signing secret (the receiver's, or one of its rotation list), or several to sign with each at once
   * where the provider's signature header carries several: a Standard Webhooks sender rotating its secret
   * sends the old and the new secret's signatures together, so a receiver holding either accepts. A
   * provider whose header holds one signature (every seed's) refuses more than one with a `TypeError`.
   */
  secret: SecretInput | readonly SecretInput[]
  /** Retry policy options over the provider's defaults (`PROVIDER_RETRY_DEFAULTS`, else seed 000's), or a policy from `createRetryPolicy`. */
  retry?: RetryPolicyOptions | RetryPolicy
  /** How an attempt goes out; default `fetch` with the policy's timeout, timed on the system clock whatever `clock` is. */
  transport?: Transport
  /** Time and timers of the schedule; inject a manual clock to run a 24 h schedule in a test. */
  clock?: Clock
  /** Where attempts are recorded; default an in-memory log of the last 1000 deliveries. */
  log?: DeliveryLog
  /** Event and delivery ids; default `crypto.randomUUID()`. */
  generateId?: () => string
  /** Called after every attempt with the retry that follows, if any (the CLI prints progress from it). */
  onAttempt?: (attempt: DeliveryAttempt, next: NextRetry | undefined) => void
  /** Called once when consecutive failures reach the policy's threshold and the sender disables itself. */
  onDisabled?: (consecutiveFailures: number) => void
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

/** A configured sender for one endpoint. */
export interface Sender {
  readonly provider: Provider
  readonly policy: RetryPolicy
  readonly log: DeliveryLog
  /** True once auto-disable tripped; `enable()` turns it back on. */
  readonly disabled: boolean
  /** Failed attempts in a row, across deliveries; a 2xx resets it. */
  readonly consecutiveFailures: number
  /** The exact signed request an attempt would send now (for inspection, or a test's tampered copy). */
  compose(input: EventInput): Promise<{ event: OutgoingEvent; request: OutgoingRequest }>
  /**
   * Delivers one event, retrying on the policy's schedule; resolves when it is delivered or given up. An
   * aborted `signal` ends it `cancelled`: the attempt in flight is cancelled (and not counted towards
   * auto-disable) and no retry follows. One long-lived signal (an app's shutdown signal) may go to every
   * send: the sender listens to it once while sends under it are under way, and not at all once they end.
   */
  send(input: EventInput, options?: { signal?: AbortSignal }): Promise<DeliveryResult>
  /** Sends a logged delivery again (same event id and body, signed afresh); one attempt unless `retry`. */
  resend(deliveryId: string, options?: { retry?: boolean; signal?: AbortSignal }): Promise<DeliveryResult>
  /** Re-enables a disabled sender and resets the failure count. */
  enable(): void
  /** Cancels attempts in flight and pending retries (they end `cancelled`); later sends are cancelled at once. */
  close(): void
}

// A caller's signal reaches a delivery's own controllers through a link that lets go of it when the delivery
// ends (an app passes one shutdown signal to every send): not AbortSignal.any, for the reason given in
// createSender. One set of links for every sender, so an app with a sender per subscriber still puts one
// listener on its shutdown signal, not one per sender (Node warns past 10).
const callerSignals = createCallerSignalLinks()

/**
 * Creates a sender.
 *
 * @example
 * ```ts
 * import { automatenexus } from '@crm-webhooks/core/providers'
 * import { createSender } from '@crm-webhooks/sender'
 *
 * const sender = createSender({ provider: automatenexus, secret: 'whsec', url: 'http://127.0.0.1:3000/webhooks' })
 * const result = await sender.send({ type: 'contact.created', data: { id: 'con_1', email: 'jane@example.com' } })
 * console.log(result.state, sender.log.attempts())
 * ```
 *
 * @example
 * ```ts
 * import { standardWebhooks } from '@crm-webhooks/core/providers'
 *
 * // Rotating a Standard Webhooks secret: webhook-signature carries both signatures, space-separated, so a
 * // receiver still holding only the old secret, and one already holding only the new, both accept.
 * const rotating = createSender({ provider: standardWebhooks, secret: [oldSecret, newSecret], url })
 * ```
 */
export function createSender(options: SenderOptions): Sender {
  const { provider } = options
  if (!provider || typeof provider.scheme?.sign !== 'function') {
    throw new TypeError('crm-webhooks: `provider` must be a provider (see defineProvider)')
  }
  const secrets = checkSigningSecrets(provider.scheme, options.secret)
  const shape: RequestShape = {
    url: options.url,
    method: options.method,
    contentType: options.contentType,
    headers: options.headers,
  }
  assertRequestShape(provider, shape)
  const policy = isPolicy(options.retry) ? options.retry : providerRetryPolicy(provider.id, options.retry)
  const clock = options.clock ?? systemClock
  // The default transport does real network I/O, so its per-attempt timeout and durationMs run on real
  // time: on a manual clock they would fire before a loopback receiver could answer. The injected clock
  // drives the schedule; a transport of your own gets `timeoutMs` and may time it on that clock.
  const transport = options.transport ?? createFetchTransport()
  const log = options.log ?? createDeliveryLog()
  const generateId = options.generateId ?? (() => globalThis.crypto.randomUUID())
  let consecutiveFailures = 0
  let disabled = false
  let closed = false
  // The deliveries under way, each with its own controllers: `stop` wakes its waiting retry when the sender
  // is disabled or closed, `cancel` (close() or the caller's signal only) also cancels its attempt in flight
  // (auto-disable lets it finish). Not signals composed with AbortSignal.any from lifelong ones of the
  // sender's: on Node 20 every source keeps an entry per composite for as long as it lives (~120 bytes a
  // send, never freed), and listeners on a shared signal would add up with the deliveries in flight (Node
  // warns past 10).
  const active = new Set<{ readonly stop: AbortController; readonly cancel: AbortController }>()

  function observe(attempt: DeliveryAttempt, next: NextRetry | undefined): void {
    // A progress printer's failure, thrown or rejected, must not change a delivery's outcome.
    callObserver(() => options.onAttempt?.(attempt, next))
  }

  function recordFailure(status: number | undefined): void {
    consecutiveFailures++
    const threshold = policy.disableAfterConsecutiveFailures
    const gone = status === 410 && policy.disableOnGone
    if ((gone || (threshold !== undefined && consecutiveFailures >= threshold)) && !disabled) {
      disabled = true
      for (const delivery of active) delivery.stop.abort()
      // As above: observers never change the outcome.
      callObserver(() => options.onDisabled?.(consecutiveFailures))
    }
  }

  async function attemptOnce(record: DeliveryRecord, attempt: number, cancelled: AbortSignal): Promise<DeliveryAttempt> {
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

  async function deliver(record: DeliveryRecord, maxRetries: number, signal: AbortSignal | undefined): Promise<DeliveryResult> {
    const own = { stop: new AbortController(), cancel: new AbortController() }
    // The caller's signal stops the waits and cancels an attempt in flight, as close() does.
    const unlink = signal
      ? callerSignals.link(signal, () => {
          own.stop.abort(signal.reason)
          own.cancel.abort(signal.reason)
        })
      : undefined
    active.add(own)
    try {
      return await deliverWith(own, record, maxRetries)
    } finally {
      unlink?.()
      active.delete(own)
    }
  }

  async function deliverWith(
    own: { readonly stop: AbortController; readonly cancel: AbortController },
    record: DeliveryRecord,
    maxRetries: number,
  ): Promise<DeliveryResult> {
    log.open(record)
    // The result keeps its own attempts: the log is only a sink, which may hold a copy of the record (a log
    // of your own) or have dropped it already (the default log keeps the last 1000 deliveries).
    const attempts: DeliveryAttempt[] = []
    // This delivery's own signals, which its waits and attempts listen to. Auto-disable aborts `stop` alone,
    // letting an attempt in flight finish; close() and the caller's signal abort both.
    const stopped = own.stop.signal
    const cancelled = own.cancel.signal
    const finish = (state: FinalDeliveryState): DeliveryResult => {
      log.close(record.deliveryId, state)
      return { deliveryId: record.deliveryId, event: record.event, ok: state === 'delivered', state, status: attempts.at(-1)?.status, attempts }
    }
    const interrupted = (): FinalDeliveryState | undefined => (disabled ? 'disabled' : stopped.aborted || closed ? 'cancelled' : undefined)
    let initialFailureAt = 0
    let nextAt = 0
    for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
      if (attempt > 1) await sleep(clock, nextAt - clock.now(), stopped)
      const stop = interrupted()
      if (stop) return finish(stop)
      let entry: DeliveryAttempt
      try {
        entry = await attemptOnce(record, attempt, cancelled)
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
        observe(entry, undefined)
        return finish('cancelled')
      }
      if (entry.ok) {
        consecutiveFailures = 0
        observe(entry, undefined)
        return finish('delivered')
      }
      if (attempt === 1) initialFailureAt = clock.now()
      recordFailure(entry.status)
      const retry = attempt <= maxRetries && !disabled ? attempt : undefined
      if (retry === undefined) {
        observe(entry, undefined)
        continue
      }
      // The schedule's time, or later when the receiver asked for it with Retry-After (Standard Webhooks:
      // it "should be taken into consideration"; our receiver sends it with 409 and 503), capped at a day.
      // Once a wait has pushed a retry past the schedule, the rest keep the schedule's gaps from it, rather
      // than all falling due at once and reaching a receiver that just asked for time in a burst.
      const asked = entry.retryAfterMs === undefined ? 0 : clock.now() + Math.min(entry.retryAfterMs, MAX_RETRY_AFTER_MS)
      const offset = policy.retryOffsetMs(retry)
      const gap = offset - (retry > 1 ? policy.retryOffsetMs(retry - 1) : 0)
      const lastScheduledAt = retry > 1 ? nextAt : initialFailureAt
      nextAt = Math.max(initialFailureAt + offset, lastScheduledAt + gap, asked)
      observe(entry, { retry, at: nextAt, inMs: Math.max(0, nextAt - clock.now()) })
    }
    return finish(disabled ? 'disabled' : 'failed')
  }

  function toEvent(input: EventInput): OutgoingEvent {
    if (!input || typeof input.type !== 'string' || input.type === '') throw new TypeError('crm-webhooks: an event needs a type')
    return { type: input.type, data: input.data, id: input.id ?? generateId(), occurredAt: input.occurredAt ?? new Date(clock.now()) }
  }

  function newRecord(event: OutgoingEvent, request: LoggedRequest, resendOf?: string): DeliveryRecord {
    return { deliveryId: generateId(), event, request, resendOf, state: 'pending', attempts: [] }
  }

  function notSent(record: DeliveryRecord): DeliveryResult {
    const state: FinalDeliveryState = disabled ? 'disabled' : 'cancelled'
    return { deliveryId: record.deliveryId, event: record.event, ok: false, state, status: undefined, attempts: [] }
  }

  return {
    provider,
    policy,
    log,
    get disabled() {
      return disabled
    },
    get consecutiveFailures() {
      return consecutiveFailures
    },
    async compose(input) {
      const event = toEvent(input)
      return { event, request: await signRequest(provider, composeRequest(provider, event, shape), event, secrets, clock.now()) }
    },
    async send(input, sendOptions = {}) {
      const event = toEvent(input)
      const record = newRecord(event, composeRequest(provider, event, shape))
      // A disabled endpoint does not fire at all (seed 000), so nothing is logged.
      if (disabled || closed) return notSent(record)
      return deliver(record, policy.maxRetries, sendOptions.signal)
    },
    async resend(deliveryId, resendOptions = {}) {
      const original = log.get(deliveryId)
      if (!original) throw new TypeError(`crm-webhooks: no logged delivery ${JSON.stringify(deliveryId)} to resend`)
      const record = newRecord(original.event, original.request, deliveryId)
      if (disabled || closed) return notSent(record)
      return deliver(record, resendOptions.retry ? policy.maxRetries : 0, resendOptions.signal)
    },
    enable() {
      if (closed || !disabled) return
      disabled = false
      consecutiveFailures = 0
    },
    close() {
      closed = true
      for (const delivery of active) {
        delivery.stop.abort()
        delivery.cancel.abort()
      }
    },
  }
}

function isPolicy(value: RetryPolicyOptions | RetryPolicy | undefined): value is RetryPolicy {
  return typeof (value as RetryPolicy | undefined)?.retryOffsetMs === 'function'
}
