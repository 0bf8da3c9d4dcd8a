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
 * The method (upper case) and body type an event goes on the wire with, each defaulting to the provider's
 * first. A method or body type the provider does not send, or a provider without `compose`, is a
 * `TypeError`: the reference sender asks this when it is created, {@link composeDelivery} on every event.
 *
 * @example
 * ```ts
 * resolveDeliveryShape(workflowPlatform, { method: 'get' }) // { method: 'GET', contentType: 'json' }
 * ```
 */
export function resolveDeliveryShape(provider: Provider, shape: DeliveryShape = {}): { method: string; contentType: 'json' | 'form' } {
  const methods = (provider.methods ?? ['POST']).map((name) => name.toUpperCase())
  const contentTypes: ReadonlyArray<'json' | 'form'> = provider.contentTypes ?? ['json']
  const method = (shape.method ?? methods[0] ?? 'POST').toUpperCase()
  const contentType = shape.contentType ?? contentTypes[0] ?? 'json'
  if (!methods.includes(method)) throw new TypeError(`crm-webhooks: ${provider.id} sends ${methods.join(', ')}, not ${method}`)
  if (!contentTypes.includes(contentType)) {
    throw new TypeError(`crm-webhooks: ${provider.id} sends ${contentTypes.join(' or ')} bodies, not ${contentType}`)
  }
  if (typeof provider.compose !== 'function') {
    throw new TypeError(`crm-webhooks: provider ${provider.id} has no compose(), so it cannot be sent`)
  }
  return { method, contentType }
}

/**
 * Composes `event` as `provider` sends it; refuses what {@link resolveDeliveryShape} refuses.
 *
 * @example
 * ```ts
 * const { method, headers, body } = composeDelivery(automatenexus, { type: 'deal.won', data, id, occurredAt: new Date() })
 * ```
 */
export function composeDelivery(provider: Provider, event: OutgoingEvent, shape: DeliveryShape = {}): ComposedDelivery {
  const { method, contentType } = resolveDeliveryShape(provider, shape)
  const { payload, headers = {} } = provider.compose!(event)
  const encodeForm = provider.encodeForm ?? encodeJsonFieldsForm
  // Seed 003's GET/DELETE actions: the fields travel in the query string, as the receiver reads them.
  if (QUERY_FIELD_METHODS.has(method)) return { method, headers: { ...headers }, body: undefined, query: encodeForm(payload).toString() }
  const body = contentType === 'json' ? JSON.stringify(payload) : encodeForm(payload).toString()
  return { method, headers: { 'content-type': MEDIA_TYPES[contentType], ...headers }, body, query: '' }
}
