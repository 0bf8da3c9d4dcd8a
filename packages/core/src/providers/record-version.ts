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
  return { record: `${event.type.split('.')[0]}:${id}`, version }
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
  const { occurredAt } = event
  return typeof occurredAt === 'number' ? occurredAt : typeof occurredAt === 'string' ? Date.parse(occurredAt) : NaN
}
