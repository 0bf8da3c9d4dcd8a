/**
 * How `listen` reports a delivery: a JSON object (one per line with `--json`) or a readable, coloured
 * line with the event's key fields.
 *
 * @module
 */
import type { DeliveryOutcome } from '@crm-webhooks/core'
import { escapeControlCharacters } from '../../escape-control-characters.js'
import type { Palette } from '../../palette.js'

/**
 * The JSON report of one delivery: `{"status":200,"event":"<type>","duplicate":false,...}` when handled
 * (or acknowledged), `{"status":<code>,"error":"<code>",...}` when rejected; `ms` is the delivery's time in
 * whole milliseconds.
 *
 * @example
 * ```ts
 * deliveryJson(outcome) // { status: 200, event: 'deal.won', duplicate: false, id: 'evt_1', secret: 0, ms: 2, data: {...} }
 * ```
 */
export function deliveryJson(outcome: DeliveryOutcome): Record<string, unknown> {
  // Whole milliseconds, as the README shows them: the receiver times a delivery on a monotonic clock, in fractions (14.22705078125).
  const ms = Math.round(outcome.durationMs)
  if (!outcome.ok) {
    return {
      status: outcome.status,
      error: outcome.code ?? 'internal_error',
      ...(outcome.eventType ? { event: outcome.eventType } : {}),
      message: outcome.error?.message,
      ms,
    }
  }
  // Verified and answered by the provider itself: a handshake (seed 003's subscription confirmation).
  if (outcome.handshake) return { status: outcome.status, handshake: true }
  return {
    status: outcome.status,
    event: outcome.eventType ?? null,
    duplicate: outcome.duplicate,
    ...(outcome.code ? { ignored: outcome.code } : {}),
    ...(outcome.eventId ? { id: outcome.eventId } : {}),
    ...(outcome.verification ? { secret: outcome.verification.secretIndex } : {}),
    ...(outcome.event?.stale ? { stale: true } : {}),
    ms,
    ...(outcome.event && !outcome.duplicate ? { data: outcome.event.data } : {}),
  }
}

/** Fields worth a glance, best first, compared without case or underscores (`first_name` = `firstName`). */
const KEY_FIELDS = [
  'id',
  'tag',
  'leadid',
  'name',
  'firstname',
  'lastname',
  'email',
  'phone',
  'title',
  'subject',
  'status',
  'failurereason',
  'reason',
  'previousstage',
  'newstage',
  'stage',
  'value',
  'totalvalue',
  'amount',
  'currency',
]
const MAX_FIELDS = 5
const MAX_DEPTH = 3

function scalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Up to five `key=value` pairs from an event's data, looking into nested records (Customermates wraps
 * its record in `payload`): the well-known keys first, shallower before deeper, then other scalars.
 *
 * @example
 * ```ts
 * keyFields({ id: 'deal_1', previous_stage: 'Proposal', new_stage: 'Negotiation' })
 * // 'id=deal_1 previous_stage=Proposal new_stage=Negotiation'
 * ```
 */
export function keyFields(data: unknown): string {
  const found: Array<{ name: string; value: string | number | boolean; rank: number }> = []
  let level: unknown[] = [data]
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: unknown[] = []
    for (const record of level.filter(isRecord)) {
      for (const [name, value] of Object.entries(record)) {
        if (isRecord(value)) next.push(value)
        if (!scalar(value)) continue
        const known = KEY_FIELDS.indexOf(name.replaceAll('_', '').toLowerCase())
        found.push({ name, value, rank: (known < 0 ? 1000 : known) + depth * 100 })
      }
    }
    level = next
  }
  const seen = new Set<string>()
  return found
    .sort((a, b) => a.rank - b.rank)
    .filter((field) => !seen.has(field.name) && seen.add(field.name))
    .slice(0, MAX_FIELDS)
    .map((field) => {
      const text = String(field.value)
      return escapeControlCharacters(`${field.name}=${text.length > 40 ? `${text.slice(0, 39)}…` : text}`)
    })
    .join(' ')
}

/**
 * The readable line of one delivery: local time (as `stripe listen` shows it), status, event type (or error
 * code), id and key fields. Whatever came from the request (the type, the id, the fields, an error message that
 * names one) has its control characters escaped, so a delivery is always one line.
 *
 * @example
 * ```ts
 * deliveryLine(outcome, createPalette(false), new Date())
 * // '14:30:00  200  deal.stage_changed  evt_1  id=deal_67890 previous_stage=Proposal new_stage=Negotiation\n'
 * ```
 */
export function deliveryLine(outcome: DeliveryOutcome, paint: Palette, at: Date): string {
  // toTimeString() starts with the local HH:mm:ss (ECMA-262's TimeString), whatever the locale.
  const time = paint.dim(at.toTimeString().slice(0, 8))
  const status = (outcome.ok ? (outcome.duplicate || outcome.code ? paint.yellow : paint.green) : paint.red)(String(outcome.status))
  const eventType = outcome.eventType === undefined ? undefined : escapeControlCharacters(outcome.eventType)
  if (!outcome.ok) {
    const event = eventType ? ` ${eventType}` : ''
    return `${time}  ${status}  ${paint.red(outcome.code ?? 'internal_error')}${event}  ${paint.dim(escapeControlCharacters(outcome.error?.message ?? ''))}\n`
  }
  if (outcome.handshake) return `${time}  ${status}  ${paint.cyan('handshake answered')}\n`
  const tags = [outcome.duplicate ? paint.yellow('duplicate, not handled again') : '', outcome.code ? paint.yellow(outcome.code) : '']
    .filter(Boolean)
    .join(' ')
  const id = outcome.eventId ? `  ${paint.dim(escapeControlCharacters(outcome.eventId))}` : ''
  const fields = outcome.duplicate ? '' : keyFields(outcome.event?.data)
  return `${time}  ${status}  ${paint.bold(eventType ?? '?')}${id}${tags ? `  ${tags}` : ''}${fields ? `  ${fields}` : ''}\n`
}
