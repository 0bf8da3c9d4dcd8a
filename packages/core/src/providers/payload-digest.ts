/**
 * An idempotency key from what a payload says rather than from its bytes, for a sender that resends an
 * event by writing it out again: a body stored as PostgreSQL `jsonb` (Customermates keeps failed
 * deliveries that way) comes back with its keys reordered and its whitespace and number spelling
 * normalized, so the raw-body digest of a resend differs from the original's while the event is the same.
 *
 * @module
 */
import { sha256HexOf } from '../schemes/crypto.js'
import { mapMaybePromise } from '../schemes/maybe-promise.js'
import type { DeliveryContext, MaybePromise } from '../types.js'

const textEncoder = new TextEncoder()

/**
 * `value` as JSON with every object's keys in code-unit order, at every depth, and no whitespace: two
 * payloads that parse to the same value give the same text, however their bytes were written. Only for
 * parsed bodies (plain objects, arrays, strings, finite numbers, booleans, `null`), whose nesting the
 * pipeline has already bounded.
 *
 * @example
 * ```ts
 * canonicalJson({ b: [1, { d: 2, c: 3 }], a: 'x' }) // '{"a":"x","b":[1,{"c":3,"d":2}]}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    const members = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
    return `{${members.join(',')}}`
  }
  // A number too large for a double parses as Infinity, which JSON.stringify writes as null: spelled apart
  // here, so {"n": 1e400} and {"n": null} are not one delivery.
  if (typeof value === 'number' && !Number.isFinite(value)) return value > 0 ? '1e999' : '-1e999'
  return JSON.stringify(value) ?? 'null'
}

/**
 * The key of a delivery whose resends are written out again: `json-sha256:` and the hex SHA-256 of the
 * payload's {@link canonicalJson}. A resend of the same event is a duplicate; any change of a value, the
 * event's timestamp included, is another delivery.
 *
 * @example
 * ```ts
 * defineProvider({ ...fields, idempotencyKey: canonicalPayloadKey })
 * ```
 */
export function canonicalPayloadKey(context: DeliveryContext): MaybePromise<string> {
  return mapMaybePromise(sha256HexOf(textEncoder.encode(canonicalJson(context.payload))), (hex) => `json-sha256:${hex}`)
}
