/**
 * `buildSampleDelivery`: a signed request exactly as a provider's sender would post it, built from the
 * provider's own `compose`, `encodeForm` and signature scheme (the same code the receiver verifies with),
 * and a fixture. The demo, the CLI, the adapters' tests and the benchmarks use it.
 *
 * @module
 */
import type { SecretInput } from '../types.js'
import { composeDelivery } from './compose-delivery.js'
import { type BuiltInEventType, type ProviderId, isProviderId, providerFixtures, providers } from './registry.js'

/** Options of {@link buildSampleDelivery}. */
export interface SampleDeliveryOptions {
  /** The secret to sign with (the receiver must be configured with it). */
  secret: SecretInput
  /** The event or delivery id; default a random `evt_<uuid>`. */
  id?: string
  /** Now, in ms since the epoch: the event's time and the signed timestamp; default `Date.now()`. */
  now?: number
  /** The HTTP method; default the provider's first (POST). GET and DELETE carry the fields in `search`. */
  method?: string
  /** `json` or `form`; default the provider's first body type (JSON). */
  contentType?: 'json' | 'form'
  /** The event data; default the provider's fixture for `eventType`. */
  data?: unknown
}

/** A signed request, ready to send or to hand to `receiver.handle`. */
export interface SampleDelivery {
  method: string
  headers: Record<string, string>
  /** The body text ('' for a bodiless GET or DELETE). */
  body: string
  /**
   * The query string to append to the URL (`?a=1&b=2`), for a bodiless GET or DELETE; '' otherwise. The
   * signature covers it (without the `?`): send it unchanged.
   */
  search: string
}

/**
 * Builds a signed sample delivery of `eventType` from provider `providerId`.
 *
 * @example
 * ```ts
 * import { createReceiver } from '@crm-webhooks/core'
 * import { automatenexus, buildSampleDelivery } from '@crm-webhooks/core/providers'
 *
 * const delivery = await buildSampleDelivery('automatenexus', 'deal.stage_changed', { secret: 'whsec-demo' })
 * const receiver = createReceiver({ provider: automatenexus, secret: 'whsec-demo' })
 * const response = await receiver.handle({ ...delivery, url: '/webhooks', rawBody: delivery.body }) // 200
 * ```
 */
export async function buildSampleDelivery<P extends ProviderId>(
  providerId: P,
  // Any name: an event outside the catalog, with options.data, is how a receiver's onUnknownEvent is tried.
  eventType: BuiltInEventType<P> | (string & {}),
  options: SampleDeliveryOptions,
): Promise<SampleDelivery> {
  if (!isProviderId(providerId)) throw new TypeError(`crm-webhooks: no built-in provider ${JSON.stringify(providerId)}`)
  const provider = providers[providerId]
  const fixtures: Record<string, unknown> = providerFixtures[providerId]
  const data = options.data !== undefined ? options.data : Object.hasOwn(fixtures, eventType) ? fixtures[eventType] : undefined
  if (data === undefined) {
    throw new TypeError(`crm-webhooks: ${providerId} has no fixture for ${JSON.stringify(eventType)}; pass options.data`)
  }
  const nowMs = options.now ?? Date.now()
  const id = options.id ?? `evt_${globalThis.crypto.randomUUID()}`
  const composed = composeDelivery(provider, { type: eventType, data, id, occurredAt: new Date(nowMs) }, options)
  // A bodiless GET or DELETE is signed over its query string, which is what the receiver verifies.
  const signed = composed.body ?? composed.query
  const signature = await provider.scheme.sign({ body: signed, id, timestampSeconds: Math.floor(nowMs / 1000) }, options.secret)
  return {
    method: composed.method,
    headers: { ...composed.headers, ...signature },
    body: composed.body ?? '',
    search: composed.body === undefined ? `?${composed.query}` : '',
  }
}
