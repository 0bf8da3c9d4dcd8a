/**
 * The two checks a parsed JSON body passes before anything reads it, done in one walk of the parsed
 * value (its cost follows the number of values; measured cheaper than any scan of the text, which V8
 * runs at a few bytes per nanosecond for the needles involved):
 * - nesting depth, since a body nested thousands deep parses (V8's parser is iterative, so parsing it
 *   first is safe) but overflows the stack of whatever walks it recursively later;
 * - a `__proto__` key, however it was spelled (`"\u005f_proto__"` parses to the same key), which
 *   JSON.parse keeps as an own property.
 *
 * No native pre-check on the bytes skips the walk for less than the walk costs (Node 20, the bench's
 * events): at 64 KB the walk takes ~8 us on a freshly parsed value, `indexOf('__proto__')` ~29 us
 * (`'_proto'` ~5.6 us: `_` is common in keys), and the body holds 638 `{`/`[`, too many for a count to
 * bound the depth; at 4 KB, counting its 40 with `indexOf` (~25 ns a hit) costs more than the ~0.6 us
 * walk. Only the escaped spellings have a cheap needle (a backslash, ~0.5 us at 64 KB).
 *
 * @module
 */

/**
 * Deepest nesting of arrays and objects a JSON body may have. CRM events nest a handful of levels; past
 * a few thousand, whatever walks the value recursively overflows its stack (JSON.stringify in a handler's
 * log line, structuredClone, a recursive schema). 128 is serde_json's default recursion limit.
 */
export const MAX_JSON_DEPTH = 128

/** What {@link inspectParsedJson} found: `too_deep` wins over `proto_key`. */
export type JsonFinding = 'ok' | 'too_deep' | 'proto_key'

const PROTO_KEY = 1
const TOO_DEEP = 2

// Returns the findings as bits (TOO_DEEP | PROTO_KEY) and never returns early: a branch-free loop body
// measured ~13% faster than checking for TOO_DEEP after every child, and a value that is too deep is
// rare enough that finishing the walk costs nothing worth saving (the walk is linear either way).
// Recursion is safe: it stops one level past `limit`, whatever the depth of the value.
function inspect(node: object, depth: number, limit: number): number {
  if (depth > limit) return TOO_DEEP
  let found = 0
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      const child: unknown = node[index]
      if (typeof child === 'object' && child !== null) found |= inspect(child, depth + 1, limit)
    }
    return found
  }
  for (const key in node) {
    const child: unknown = (node as Record<string, unknown>)[key]
    // Keys from JSON.parse are internalized strings: this comparison is a pointer check.
    if (key === '__proto__') found |= PROTO_KEY
    if (typeof child === 'object' && child !== null) found |= inspect(child, depth + 1, limit)
  }
  return found
}

// The same walk over own keys only, for a process whose Object.prototype has enumerable properties (a
// prototype-pollution bug elsewhere): for-in would follow an inherited object into itself at every level,
// branching at each, and the walk above would take exponential time to reach its limit. A walk of its own
// rather than an own-keys flag on the one above: the flag's check per key cost verify + parse 1-2% at 4 KB
// and under 1% at 64 KB (`pnpm ab --only parse`, two runs), where the targets are closest.
function inspectOwnKeys(node: object, depth: number, limit: number): number {
  if (depth > limit) return TOO_DEEP
  let found = 0
  const children: unknown[] = Array.isArray(node) ? node : Object.values(node)
  if (!Array.isArray(node) && Object.hasOwn(node, '__proto__')) found |= PROTO_KEY
  for (let index = 0; index < children.length; index++) {
    const child = children[index]
    if (typeof child === 'object' && child !== null) found |= inspectOwnKeys(child, depth + 1, limit)
  }
  return found
}

const PLAIN_OBJECT = {}

/** Whether for-in over a plain object would yield a key it does not own (checked per walk: ~10 ns). */
function objectPrototypeIsPolluted(): boolean {
  for (const _ in PLAIN_OBJECT) return true
  return false
}

/**
 * Walks a value JSON.parse produced: `too_deep` when arrays and objects nest more than `limit` levels,
 * else `proto_key` when some object has an own `__proto__` key, else `ok`.
 *
 * @example
 * ```ts
 * inspectParsedJson(JSON.parse('[[[1]]]'), 2)                   // 'too_deep'
 * inspectParsedJson(JSON.parse('{"a":{"\\u005f_proto__":1}}'), 128) // 'proto_key'
 * ```
 */
export function inspectParsedJson(value: unknown, limit: number): JsonFinding {
  if (typeof value !== 'object' || value === null) return 'ok'
  const found = objectPrototypeIsPolluted() ? inspectOwnKeys(value, 1, limit) : inspect(value, 1, limit)
  return found & TOO_DEEP ? 'too_deep' : found & PROTO_KEY ? 'proto_key' : 'ok'
}

/**
 * `JSON.parse` reviver dropping `__proto__` keys. JSON.parse gives `__proto__` as an own property, which
 * is harmless until a handler merges the object (`Object.assign`, a deep merge) and swaps a prototype.
 *
 * @example
 * ```ts
 * JSON.parse(text, withoutProtoKeys)
 * ```
 */
export function withoutProtoKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value
}
