/**
 * `createSender`: the reference sender. It signs through the provider's scheme, composes the body with
 * the provider's `compose`, and owns only what a sender adds: transport, retries on seed 000's
 * schedule, auto-disable, the delivery log and resend (house style #13). Each delivery's attempts and
 * retry waits run in `runDelivery`; this file keeps what outlives a delivery: the failure count,
 * auto-disable, close() and the caller's signal.
 *
 * @module
 */
import { type OutgoingEvent, type Provider, type SecretInput, callObserver, checkSigningSecrets } from '@crm-webhooks/core'
import { createCallerSignalLinks } from './caller-signal-links.js'
import { type Clock, systemClock } from './clock.js'
import { type RequestShape, assertRequestShape, composeRequest, signRequest } from './compose-request.js'
import {
  type DeliveryAttempt,
  type DeliveryLog,
  type DeliveryRecord,
  type FinalDeliveryState,
  type LoggedRequest,
  createDeliveryLog,
} from './delivery-log.js'
import { type RetryPolicy, type RetryPolicyOptions, assertRetriesWithinRetention, providerRetryPolicy } from './retry-policy.js'
import { type DeliverySender, type DeliveryResult, type NextRetry, runDelivery } from './run-delivery.js'
import { type OutgoingRequest, type Transport, createFetchTransport } from './transport.js'

/** An event to send: its type and data; the id and time default to fresh ones. */
export interface EventInput {
  readonly type: string
  /** What the event's schema validates (the envelope's `data`). */
  readonly data: unknown
  /**
   * A non-empty string; default `generateId()`. Standard Webhooks sends it as the signed `webhook-id` header,
   * so there it must also be what fetch sends as signed: no `.`, line break or other control character
   * (tab aside), no character past U+00FF, no space or tab at either end (a `TypeError` from `compose` and `send`).
   */
  readonly id?: string
  /** A valid `Date`; default the clock's now. */
  readonly occurredAt?: Date
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
   * send, of every sender: they listen to it once between them while sends under it are under way, and not at
   * all once those end.
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
// caller-signal-links.ts. One set of links for every sender, so an app with a sender per subscriber still
// puts one listener on its shutdown signal, not one per sender (Node warns past 10).
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
  assertRetriesWithinRetention(policy, provider)
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

  // What each delivery's loop reads and reports back; `disabled` and `closed` are read live.
  const deliverySender: DeliverySender = {
    provider,
    secrets,
    policy,
    clock,
    transport,
    log,
    get disabled() {
      return disabled
    },
    get closed() {
      return closed
    },
    recordSuccess() {
      consecutiveFailures = 0
    },
    recordFailure,
    observe,
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
      return await runDelivery(deliverySender, record, maxRetries, { stopped: own.stop.signal, cancelled: own.cancel.signal })
    } finally {
      unlink?.()
      active.delete(own)
    }
  }

  function toEvent(input: EventInput): OutgoingEvent {
    if (!input || typeof input.type !== 'string' || input.type === '') throw new TypeError('crm-webhooks: an event needs a type')
    // Checked as given at run time (JavaScript callers, parsed JSON), whatever the types say.
    const id: unknown = input.id
    const occurredAt: unknown = input.occurredAt
    // A blank id names none for the receivers either (`asId`): sent, the sender's log and the receiver's key would differ.
    if (id != null && (typeof id !== 'string' || id.trim() === '')) {
      throw new TypeError(`crm-webhooks: an event id must be a non-blank string (got ${typeof id === 'string' ? JSON.stringify(id) : typeof id})`)
    }
    // The provider's compose calls occurredAt.toISOString(): an Invalid Date or a string would surface as
    // the engine's RangeError or TypeError, naming neither the field nor the package.
    if (occurredAt != null && !isValidDate(occurredAt)) {
      throw new TypeError(`crm-webhooks: occurredAt must be a valid Date (got ${occurredAt instanceof Date ? 'an Invalid Date' : typeof occurredAt})`)
    }
    return {
      type: input.type,
      data: input.data,
      id: (id as string | null | undefined) ?? generateId(),
      occurredAt: (occurredAt as Date | null | undefined) ?? new Date(clock.now()),
    }
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

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime())
}

function isPolicy(value: RetryPolicyOptions | RetryPolicy | undefined): value is RetryPolicy {
  return typeof (value as RetryPolicy | undefined)?.retryOffsetMs === 'function'
}
