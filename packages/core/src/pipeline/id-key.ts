/**
 * The text a store keeps for an id (an idempotency key's) and for a record (the ordering guard's): one to
 * one with what the sender or your options named, and bounded in length. An id is sender data (a workflow
 * action's mapped `event_id` may be a megabyte), kept for days in every store: a long one is kept as its
 * SHA-256, so the memory store stays flat in bytes as well as in entries, and a PostgreSQL index row or a
 * Redis key never grows with what an outsider typed.
 *
 * @module
 */
import { sha256HexOf } from '../schemes/crypto.js'
import { mapMaybePromise } from '../schemes/maybe-promise.js'
import type { MaybePromise } from '../types.js'

/** Longer ids and records are kept as their digest: far past any CRM's ids (UUIDs are 36). */
export const MAX_KEY_TEXT_LENGTH = 200

/**
 * The key text of an id: the id as it is, unless it could pass for a digest's key (`sha256:<hex>`,
 * `json-sha256:<hex>`) or for an id written this way, which take an `id:` in front; past
 * {@link MAX_KEY_TEXT_LENGTH}, `id-sha256:` and the digest of its UTF-16 code units (lone surrogates
 * included, which UTF-8 would merge). So no id, which a sender may take from a field an outsider filled
 * in, can name another delivery's key. A number (a key function of yours in JavaScript) is written as
 * text, as it always was, while it is a safe integer; anything else is a `TypeError`: `String()` made every
 * object one key, `[object Object]`, and every delivery after the first a duplicate never handled.
 *
 * @example
 * ```ts
 * idKey('evt_1') // 'evt_1'
 * idKey('sha256:abc') // 'id:sha256:abc'
 * ```
 */
export function idKey(id: unknown): MaybePromise<string> {
  const text = keyText('an idempotency key', id)
  if (text.length > MAX_KEY_TEXT_LENGTH) return digestOf(text, 'id-sha256:')
  return text.startsWith('sha256:') || text.startsWith('json-sha256:') || text.startsWith('id:') || text.startsWith('id-sha256:')
    ? `id:${text}`
    : text
}

/**
 * The key text of an ordering guard's record, as {@link idKey} writes an id's: `record-sha256:` and a
 * digest past {@link MAX_KEY_TEXT_LENGTH}, and a `record:` in front of a record that could pass for either.
 *
 * @example
 * ```ts
 * recordKey('deal:deal_1') // 'deal:deal_1'
 * ```
 */
export function recordKey(record: unknown): MaybePromise<string> {
  const text = keyText("recordVersion's record", record)
  if (text.length > MAX_KEY_TEXT_LENGTH) return digestOf(text, 'record-sha256:')
  return text.startsWith('record:') || text.startsWith('record-sha256:') ? `record:${text}` : text
}

function keyText(what: string, value: unknown): string {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
  throw new TypeError(`crm-webhooks: ${what} must be a non-empty string or a safe integer (got ${describe(value)})`)
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (value === null) return 'null'
  return Array.isArray(value) ? 'an array' : typeof value
}

/** `prefix` and the hex SHA-256 of `text`'s UTF-16 code units, little-endian: one to one, whatever the text. */
function digestOf(text: string, prefix: string): MaybePromise<string> {
  const bytes = new Uint8Array(text.length * 2)
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    bytes[2 * index] = unit & 0xff
    bytes[2 * index + 1] = unit >> 8
  }
  return mapMaybePromise(sha256HexOf(bytes), (hex) => `${prefix}${hex}`)
}
