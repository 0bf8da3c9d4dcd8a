/**
 * `composeDelivery`: an event as a provider's sender puts it on the wire, unsigned. The one place that
 * decides the method, the body type, the body (JSON, or a form through the provider's `encodeForm`) and,
 * for a bodiless GET or DELETE, the query string that carries the fields instead. The reference sender
 * and `buildSampleDelivery` both build on it and sign the body, or the query where there is no body:
 * what the receiver verifies (pipeline/query-fields.ts).
 *
 * @module
 */
import { QUERY_FIELD_METHODS } from '../pipeline/query-fields.js'
import type { OutgoingEvent, Provider } from '../types.js'
import { encodeJsonFieldsForm } from './json-fields-form.js'

/** How an event goes on the wire; each defaults to the provider's first. */
export interface DeliveryShape {
  method?: string | undefined
  contentType?: 'json' | 'form' | undefined
}

/** An unsigned request: what {@link composeDelivery} returns. */
export interface ComposedDelivery {
  /** Upper case. */
  readonly method: string
  /** `content-type` when there is a body, then the provider's event headers. */
  readonly headers: Record<string, string>
  /** The body text; `undefined` for a bodiless GET or DELETE. */
  readonly body: string | undefined
  /** The form-encoded fields for the query string of a bodiless GET or DELETE (no `?`); `''` otherwise. */
  readonly query: string
}

const MEDIA_TYPES = { json: 'application/json', form: 'application/x-www-form-urlencoded' } as const

/**
 * Composes `event` as `provider` sends it. A method or body type the provider does not send, or a provider
 * without `compose`, is a `TypeError`.
 *
 * @example
 * ```ts
 * const { method, headers, body } = composeDelivery(automatenexus, { type: 'deal.won', data, id, occurredAt: new Date() })
 * ```
 */
export function composeDelivery(provider: Provider, event: OutgoingEvent, shape: DeliveryShape = {}): ComposedDelivery {
  const methods = (provider.methods ?? ['POST']).map((name) => name.toUpperCase())
  const contentTypes: ReadonlyArray<'json' | 'form'> = provider.contentTypes ?? ['json']
  const method = (shape.method ?? methods[0] ?? 'POST').toUpperCase()
  const contentType = shape.contentType ?? contentTypes[0] ?? 'json'
  if (!methods.includes(method)) throw new TypeError(`crm-webhooks: ${provider.id} does not send ${method}`)
  if (!contentTypes.includes(contentType)) throw new TypeError(`crm-webhooks: ${provider.id} does not send ${contentType} bodies`)
  if (typeof provider.compose !== 'function') {
    throw new TypeError(`crm-webhooks: provider ${provider.id} has no compose(), so it cannot be sent`)
  }
  const { payload, headers = {} } = provider.compose(event)
  const encodeForm = provider.encodeForm ?? encodeJsonFieldsForm
  // Seed 003's GET/DELETE actions: the fields travel in the query string, as the receiver reads them.
  if (QUERY_FIELD_METHODS.has(method)) return { method, headers: { ...headers }, body: undefined, query: encodeForm(payload).toString() }
  const body = contentType === 'json' ? JSON.stringify(payload) : encodeForm(payload).toString()
  return { method, headers: { 'content-type': MEDIA_TYPES[contentType], ...headers }, body, query: '' }
}
