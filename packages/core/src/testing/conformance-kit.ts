/**
 * What the conformance cases are written against: two small providers of the suite's own (so the table
 * does not move when a built-in catalog changes) and a way to build correctly signed requests for them.
 *
 * @module
 */
import * as z from 'zod'
import { createFieldEnvelope } from '../providers/field-envelope.js'
import { defineProvider } from '../providers/define-provider.js'
import { createHmacSha256Scheme } from '../schemes/hmac-sha256.js'
import { createStandardWebhooksScheme } from '../schemes/standard-webhooks.js'
import type { Provider, SecretInput } from '../types.js'

/**
 * The secret every conformance receiver accepts. It is in Standard Webhooks form (`whsec_` + base64), which
 * the HMAC provider takes as a plain string, so one secret serves both providers.
 *
 * @example
 * ```ts
 * const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })
 * ```
 */
export const CONFORMANCE_SECRET = 'whsec_Y29uZm9ybWFuY2Utc2VjcmV0LWN1cnJlbnQ='
/**
 * A second secret: the one being rotated out in the rotation case.
 *
 * @example
 * ```ts
 * createReceiver({ provider: conformanceProvider, secret: [CONFORMANCE_SECRET, CONFORMANCE_PREVIOUS_SECRET] })
 * ```
 */
export const CONFORMANCE_PREVIOUS_SECRET = 'whsec_Y29uZm9ybWFuY2Utc2VjcmV0LXByZXZpb3Vz'
/**
 * The event type the conformance providers declare.
 *
 * @example
 * ```ts
 * receiver.on(CONFORMANCE_EVENT_TYPE, (event) => handled.push(event))
 * ```
 */
export const CONFORMANCE_EVENT_TYPE = 'contact.created'

const envelope = createFieldEnvelope({ type: 'event', id: 'id', occurredAt: 'timestamp', data: null })
// The whole body is the data, so one schema fits the JSON body and the flat form body alike.
const events = {
  [CONFORMANCE_EVENT_TYPE]: z.looseObject({ event: z.string(), id: z.string(), email: z.string() }),
}

/**
 * A provider like most seed senders: HMAC-SHA256 hex of the raw body in `X-Conformance-Signature`, JSON or
 * form-urlencoded bodies, `{event, id, timestamp, ...}` envelope.
 *
 * @example
 * ```ts
 * const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })
 * ```
 */
export const conformanceProvider: Provider<typeof events> = defineProvider({
  id: 'conformance',
  name: 'Conformance test sender (HMAC-SHA256)',
  scheme: createHmacSha256Scheme({ header: 'X-Conformance-Signature' }),
  envelope,
  events,
  contentTypes: ['json', 'form'],
})

/**
 * The same sender signing with the Standard Webhooks scheme, whose signed timestamp the stale-timestamp
 * case needs.
 *
 * @example
 * ```ts
 * createReceiver({ provider: conformanceStandardProvider, secret: CONFORMANCE_SECRET, toleranceSeconds: 300 })
 * ```
 */
export const conformanceStandardProvider: Provider<typeof events> = defineProvider({
  id: 'conformance-standard',
  name: 'Conformance test sender (Standard Webhooks)',
  scheme: createStandardWebhooksScheme(),
  envelope,
  events,
})

/** Options of {@link signedRequest}. */
export interface SignedRequestOptions {
  /** Default {@link conformanceProvider}. */
  provider?: Provider
  /** Default {@link CONFORMANCE_SECRET}. */
  secret?: SecretInput
  /** Default a JSON `contact.created` event with id {@link SignedRequestOptions.id}. */
  body?: string | Uint8Array
  /** The event (and Standard Webhooks message) id; default `evt_conformance`. */
  id?: string
  /** Default now. */
  timestampSeconds?: number
  /** Default `application/json`. */
  contentType?: string
  /** Default `POST`. */
  method?: string
}

/** A request as the cases describe it: sent as is to the entry point's URL. */
export interface ConformanceRequest {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
}

/**
 * The JSON body of a `contact.created` event.
 *
 * @example
 * ```ts
 * conformanceEventBody('evt_1') // '{"event":"contact.created","id":"evt_1",...}'
 * ```
 */
export function conformanceEventBody(id = 'evt_conformance', extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ event: CONFORMANCE_EVENT_TYPE, id, timestamp: '2026-01-15T10:30:00Z', email: 'ada@example.com', ...extra })
}

/**
 * A request signed the way the provider's sender signs it.
 *
 * @example
 * ```ts
 * const request = await signedRequest({ id: 'evt_42' })
 * await fetch(url, { method: request.method, headers: request.headers, body: request.body })
 * ```
 */
// The body's type spelt without `Uint8Array<ArrayBuffer>`, which TypeScript before 5.7 cannot read (typed arrays were
// not generic): the published declarations then failed a consumer's type check unless it skipped libraries.
export async function signedRequest(options: SignedRequestOptions = {}): Promise<ConformanceRequest & { body: string | (Uint8Array & { buffer: ArrayBuffer }) }> {
  const provider = options.provider ?? conformanceProvider
  const id = options.id ?? 'evt_conformance'
  const body = options.body ?? conformanceEventBody(id)
  const timestampSeconds = options.timestampSeconds ?? Math.floor(Date.now() / 1000)
  const signature = await provider.scheme.sign({ body, id, timestampSeconds }, options.secret ?? CONFORMANCE_SECRET)
  return {
    method: options.method ?? 'POST',
    headers: { 'content-type': options.contentType ?? 'application/json', ...signature },
    // A copy of bytes, on an ArrayBuffer of its own, as `fetch` and `Request` take a body (a Buffer may sit
    // on a SharedArrayBuffer-typed pool).
    body: typeof body === 'string' ? body : new Uint8Array(body),
  }
}
