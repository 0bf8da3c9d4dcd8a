/**
 * The canonical JSON of a value: what a provider's `idempotencyDigest: 'canonical-json'` digests instead of
 * the signed bytes (for a sender that resends an event by writing it out again), and how the store
 * contracts compare answers whatever the order of their keys. A body stored
 * as PostgreSQL `jsonb` (Customermates keeps failed deliveries that way) comes back with its keys
 * reordered and its whitespace and number spelling normalized, so the digest of a resend's bytes differs
 * from the original's while the event is the same.
 *
 * @module
 */

/**
 * `value` as JSON with every object's keys in code-unit order, at every depth, and no whitespace: two
 * payloads that parse to the same value give the same text, however their bytes were written. Numbers are
 * compared as the doubles they parse to, so two spellings of one number are one, and so are two numbers
 * that differ only past a double's precision (about 17 significant digits). Only for parsed bodies (plain
 * objects, arrays, strings, numbers, booleans, `null`), whose nesting the pipeline has already bounded;
 * as in JSON, a member whose value is `undefined` is left out.
 * Linear in the payload's size: every piece is written once, into one list joined at the end.
 *
 * @example
 * ```ts
 * canonicalJson({ b: [1, { d: 2, c: 3 }], a: 'x' }) // '{"a":"x","b":[1,{"c":3,"d":2}]}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = []
  writeCanonical(value, parts)
  return parts.join('')
}

function writeCanonical(value: unknown, parts: string[]): void {
  if (Array.isArray(value)) {
    parts.push('[')
    for (let index = 0; index < value.length; index++) {
      if (index > 0) parts.push(',')
      writeCanonical(value[index], parts)
    }
    parts.push(']')
    return
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record).sort()
    parts.push('{')
    let first = true
    for (const key of keys) {
      if (record[key] === undefined) continue
      if (!first) parts.push(',')
      first = false
      parts.push(JSON.stringify(key), ':')
      writeCanonical(record[key], parts)
    }
    parts.push('}')
    return
  }
  // A number too large for a double parses as Infinity, which JSON.stringify writes as null: spelled apart
  // here, so {"n": 1e400} and {"n": null} are not one delivery.
  if (typeof value === 'number' && !Number.isFinite(value)) {
    parts.push(value > 0 ? '1e999' : '-1e999')
    return
  }
  parts.push(JSON.stringify(value) ?? 'null')
}
