/**
 * The envelope most CRMs use: named fields of a JSON object (`{event, timestamp, data}`), optionally
 * with the event name in a header as well.
 *
 * @module
 */
import type { DeliveryContext, Envelope } from '../types.js'

/** Where each envelope member lives: a top-level field name, or `null` where the provider has none. */
export interface FieldEnvelopeOptions {
  /** Field holding the event name, e.g. `event`. */
  type: string
  /**
   * Header holding the event name, read only when the body has no such field (or an empty one). Mind that a
   * header is outside the body's signature in most schemes: whoever relays a delivery can then pick its handler
   * (ConnectGain's `X-Webhook-Event` is such a header, so that provider does not read it).
   */
  typeHeader?: string
  /** Field holding a per-event id, if the sender sends one. */
  id?: string | null
  /** Field holding when the event occurred, e.g. `timestamp`. */
  occurredAt?: string | null
  /** Field holding the event data; `null` when the whole body is the data. */
  data: string | null
}

/**
 * A payload's own field `name`, or `undefined` when the payload is no object or has no such field of its own
 * (an inherited `constructor` or `toString` is no field a sender sent).
 *
 * @example
 * ```ts
 * ownField({ event: 'deal.won' }, 'event') // 'deal.won'
 * ownField('text', 'event')                // undefined
 * ```
 */
export function ownField(payload: unknown, name: string): unknown {
  return payload !== null && typeof payload === 'object' && Object.hasOwn(payload, name)
    ? (payload as Record<string, unknown>)[name]
    : undefined
}

/**
 * A name or id as text: a non-empty string; what an envelope reads from a field.
 *
 * @example
 * ```ts
 * nonEmptyText('deal.won') // 'deal.won'
 * nonEmptyText('')         // undefined
 * ```
 */
export function nonEmptyText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * An event id as text. A JSON number past 2^53 lost digits in JSON.parse already, so two distinct ids could read
 * as one and the second event be acknowledged as the first one's duplicate, never handled: such an id is not
 * used, and the key falls back to the body digest, which a retry's same bytes still match. Blank text (`" "`, a
 * mapped field the platform left empty but for a space) names no id either, as the empty string does: as a key,
 * every such delivery after the first would be taken for its duplicate.
 *
 * @example
 * ```ts
 * asId(42)    // '42'
 * asId(2 ** 53) // undefined
 * asId(' ')     // undefined
 * ```
 */
export function asId(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

/**
 * Builds an {@link Envelope} that reads named top-level fields.
 *
 * @example
 * ```ts
 * createFieldEnvelope({ type: 'event', occurredAt: 'timestamp', data: 'data' })
 * ```
 */
export function createFieldEnvelope(options: FieldEnvelopeOptions): Envelope {
  const { type, typeHeader, id, occurredAt, data } = options
  return {
    eventType: (context: DeliveryContext) => {
      const named = ownField(context.payload, type)
      if (named === undefined || named === '') return typeHeader ? context.header(typeHeader) : undefined
      // A field that is there but not a name (`"event": 5`) names no type, as every seed names events with
      // text: the header, outside the signature, must not name one for it either.
      return nonEmptyText(named)
    },
    ...(id ? { eventId: (context: DeliveryContext) => asId(ownField(context.payload, id)) } : {}),
    ...(occurredAt
      ? {
          occurredAt: (context: DeliveryContext) => {
            const value = ownField(context.payload, occurredAt)
            return typeof value === 'string' || typeof value === 'number' ? value : undefined
          },
        }
      : {}),
    ...(data ? { data: (context: DeliveryContext) => ownField(context.payload, data) } : {}),
  }
}
