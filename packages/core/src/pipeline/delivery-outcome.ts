/**
 * What happened to one request: the pipeline's running record of it, and the outcome reported to the
 * receiver's observers (`onError`, `onDelivery`).
 *
 * @module
 */
import { callObserver } from '../call-observer.js'
import type { WebhookError } from '../errors.js'
import type { VerifyResult, WebhookEvent, WebhookResponse } from '../types.js'
import { clockReading } from './clock-reading.js'
import type { PipelineConfig } from './pipeline-config.js'
import { type WaitUntil, handToRuntime } from './wait-until.js'

/** What happened to one request, reported to `onDelivery` (the CLI's listen prints these). */
export interface DeliveryOutcome {
  readonly status: number
  readonly ok: boolean
  /** The error or acknowledgement code, when the delivery was not simply handled. */
  readonly code: WebhookError['code'] | undefined
  readonly error: WebhookError | undefined
  readonly eventType: string | undefined
  readonly eventId: string | undefined
  readonly idempotencyKey: string | undefined
  readonly duplicate: boolean
  readonly event: WebhookEvent | undefined
  readonly verification: VerifyResult | undefined
  /**
   * Set when the provider answered a verified handshake itself (seed 003's subscription confirmation): its
   * parsed payload, so the application can log or record it (the `subscription_id`, the
   * `confirmation_token` echoed back). No handler runs for a handshake, and `eventType` stays undefined.
   */
  readonly handshake: { readonly payload: unknown } | undefined
  readonly durationMs: number
}

/** Mutable record of what the pipeline learnt, turned into the outcome at the end. */
export interface Progress {
  eventType?: string
  eventId?: string
  idempotencyKey?: string
  duplicate: boolean
  event?: WebhookEvent
  verification?: VerifyResult
  handshake?: { payload: unknown }
  /** Set when the delivery was acknowledged without a typed handler. */
  ignored?: 'unknown_event' | 'invalid_payload'
}

/**
 * Reports one answered request to the observers, which can never turn it into a failure; an async observer's
 * work (a log shipped over the network) goes to `waitUntil`, so a Web runtime does not cut it off.
 */
export function report(
  config: PipelineConfig,
  response: WebhookResponse,
  failure: WebhookError | undefined,
  progress: Progress,
  startedAt: number,
  waitUntil?: WaitUntil,
): void {
  if (!config.onError && !config.onDelivery) return
  const outcome: DeliveryOutcome = {
    status: response.status,
    ok: response.status < 300,
    code: failure?.code ?? progress.ignored,
    error: failure,
    eventType: progress.eventType,
    eventId: progress.eventId,
    idempotencyKey: progress.idempotencyKey,
    duplicate: progress.duplicate,
    event: progress.event,
    verification: progress.verification,
    handshake: progress.handshake,
    durationMs: clockReading(config.monotonicNow) - startedAt,
  }
  // Observers must never turn a delivery into a failure.
  if (failure) handToRuntime(waitUntil, callObserver(() => config.onError?.(failure, outcome)))
  handToRuntime(waitUntil, callObserver(() => config.onDelivery?.(outcome)))
}
