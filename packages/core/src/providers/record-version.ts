/**
 * The ordering guard's default for CRMs whose events carry the record in `data.id` and the time the event
 * occurred in the envelope: an update that arrives after a newer one for the same record is `stale`.
 *
 * @module
 */
import type { WebhookEvent } from '../types.js'

/**
 * Names the record an event is about (`<first segment of the event name>:<data.id>`, so `deal.won` and
 * `deal.updated` of one deal share it) and versions it by the event's time in ms. `undefined` when the
 * event has no string id or no parseable time, so the guard stays out of the way.
 *
 * @example
 * ```ts
 * recordVersionByOccurredAt({ type: 'deal.won', data: { id: 'deal_1' }, occurredAt: '2026-03-21T15:00:00Z', ... })
 * // { record: 'deal:deal_1', version: 1774105200000 }
 * ```
 */
export function recordVersionByOccurredAt(event: WebhookEvent): { record: string; version: number } | undefined {
  const id = (event.data as { id?: unknown } | null)?.id
  const version = occurredAtMs(event)
  if (typeof id !== 'string' || id === '' || !Number.isFinite(version)) return undefined
  // The type's first segment, without the array `split('.')` would make per delivery.
  const dot = event.type.indexOf('.')
  return { record: `${dot === -1 ? event.type : event.type.slice(0, dot)}:${id}`, version }
}

/**
 * The event's time in ms, the version most providers order by: `NaN` when it has none or it does not parse.
 *
 * @example
 * ```ts
 * occurredAtMs({ occurredAt: '2026-03-21T15:00:00Z', ... }) // 1774105200000
 * ```
 */
export function occurredAtMs(event: WebhookEvent): number {
  return eventTimeMs(event.occurredAt)
}

/**
 * A time as CRMs send one, in ms: Unix seconds or ms (a number or digits), or an ISO 8601 date-time (UTC
 * when it names no zone); `NaN` for anything else.
 *
 * @example
 * ```ts
 * eventTimeMs('2026-03-21T15:00:00') // 1774105200000, whatever the server's time zone
 * eventTimeMs(1774105200)            // 1774105200000: seconds
 * ```
 */
export function eventTimeMs(value: unknown): number {
  if (typeof value === 'number') return epochMs(value)
  if (typeof value !== 'string') return NaN
  const text = value.trim()
  // An ISO date's fifth character is its '-', which no run of digits has: the digits' test is skipped for it.
  if (text.charCodeAt(4) !== 0x2d && /^\d+(\.\d+)?$/.test(text)) return epochMs(Number(text))
  // ISO 8601 / RFC 3339 only: Date.parse also reads "1" as a date in 2001, in the server's time zone.
  // Tested, not executed: no match array and captures per event.
  if (!ISO_DATE_TIME.test(text)) return NaN
  // A date-time without a zone is UTC, as every seed's examples are: read as local time, the verdict would
  // depend on the server's TZ.
  // (A date alone is UTC already.)
  return Date.parse(text.length > DATE_LENGTH && !namesZone(text) ? `${text}Z` : text)
}

/** Characters of the date `ISO_DATE_TIME` starts with (`yyyy-mm-dd`): a longer match has a time. */
const DATE_LENGTH = 10

/**
 * Whether a date-time `ISO_DATE_TIME` matched ends in a zone: `Z`, or an offset, whose sign is the only `+`
 * or `-` past the date (the time is digits, `:` and `.`).
 */
function namesZone(text: string): boolean {
  const last = text.charCodeAt(text.length - 1)
  return last === 0x5a || last === 0x7a || text.indexOf('+', DATE_LENGTH) !== -1 || text.indexOf('-', DATE_LENGTH) !== -1
}

/** A date, or a date-time with an optional fraction and zone (`Z` or `±hh:mm`). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i

/**
 * A Unix time in ms, from seconds or ms: below 1e11 it is seconds (1e11 ms is March 1973, 1e11 s the year
 * 5138), so a sender's epoch seconds order with its ISO times instead of as dates in 1970. `NaN` past what
 * a `Date` holds (8.64e15 ms either way): no date at all, where `new Date(ms).toISOString()` would throw.
 */
function epochMs(value: number): number {
  if (!Number.isFinite(value)) return NaN
  const ms = Math.abs(value) < 1e11 ? value * 1000 : value
  return Math.abs(ms) <= MAX_DATE_MS ? ms : NaN
}

/** The furthest a `Date` reaches from the epoch, in ms (ECMA-262 section 21.4.1.1). */
const MAX_DATE_MS = 8.64e15
