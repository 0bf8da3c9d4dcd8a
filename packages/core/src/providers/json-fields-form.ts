/**
 * A form body that carries a JSON envelope: scalar fields as form fields, nested objects and arrays as
 * JSON text in their field (`event=deal.won&timestamp=...&data={"id":"deal_1",...}`). Numbers, booleans
 * and nesting inside `data` survive the trip, which a flat form cannot give. AutomateNexus (seed 000)
 * offers form bodies without saying how `data` is encoded; this is the reading its docs page records.
 *
 * @module
 */
import { parseGuardedJson } from '../pipeline/parse-body.js'

/**
 * Flattens an envelope into form fields: strings, numbers and booleans as text, objects and arrays as
 * JSON, `null` as an empty field, `undefined` left out; a field named in `jsonFields` always as JSON, so
 * what {@link decodeJsonFieldsForm} parses back is what was sent (a `data` of `"hello"` or `null` too).
 *
 * @example
 * ```ts
 * encodeJsonFieldsForm({ event: 'deal.won', data: { id: 'deal_1' } }, ['data']).toString()
 * // 'event=deal.won&data=%7B%22id%22%3A%22deal_1%22%7D'
 * ```
 */
export function encodeJsonFieldsForm(payload: unknown, jsonFields: readonly string[] = []): URLSearchParams {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TypeError('crm-webhooks: only an object payload can be sent as a form')
  }
  const fields = new URLSearchParams()
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined) continue
    const asJson = jsonFields.includes(name) || (value !== null && typeof value === 'object')
    fields.append(name, asJson ? JSON.stringify(value) : value === null ? '' : String(value))
  }
  return fields
}

/**
 * Reads form fields back into an envelope: every field as a string, except `jsonFields`, whose text is
 * parsed as JSON with the guards a JSON body gets (json-guards.ts): nesting deeper than
 * `MAX_JSON_DEPTH` (128) is refused and `__proto__` keys are dropped. A JSON field that does not parse or
 * nests too deep is `invalid_body` (400), like such a JSON body.
 *
 * @example
 * ```ts
 * decodeJsonFieldsForm(new URLSearchParams('event=deal.won&data=%7B%7D'), ['data']) // { event: 'deal.won', data: {} }
 * ```
 */
export function decodeJsonFieldsForm(fields: URLSearchParams, jsonFields: readonly string[]): Record<string, unknown> {
  const record: Record<string, unknown> = Object.create(null)
  for (const [name, value] of fields) {
    if (name === '__proto__') continue
    if (!jsonFields.includes(name)) {
      record[name] = value
      continue
    }
    record[name] = parseGuardedJson(value, `form field ${name}`)
  }
  return record
}
