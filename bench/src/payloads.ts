/**
 * Realistic CRM events of an exact byte size, composed by the AutomateNexus provider (seed 000's envelope
 * `{event, timestamp, webhook_id, account_id, data}`) from its own fixtures: `contact.updated` at 512 B,
 * `deal.stage_changed` with its contacts, line items and an activity timeline at 4 KB and 64 KB. A note
 * in `custom_fields` absorbs the last bytes. Built deterministically, so every run hashes and parses the
 * same bytes; the record id is a fixed-width number, so a delivery can be made unique in place.
 *
 * @module
 */
import { automatenexus, providerFixtures } from '@crm-webhooks/core/providers'

/** The sizes the issue asks for, in bytes. */
export const PAYLOAD_SIZES = [512, 4096, 65536] as const

/** One event as sent: its JSON bytes and where its revision and record id digits sit. */
export interface CrmEventBody {
  readonly size: number
  readonly eventType: string
  readonly bytes: Buffer
  /** Byte offset of the zero-padded revision digits (REVISION_WIDTH of them) inside `bytes`. */
  readonly revisionOffset: number
  /** Byte offset of the zero-padded record number (RECORD_WIDTH digits) inside `bytes`. */
  readonly recordOffset: number
}

/** Digits of the revision and of the record number. */
export const REVISION_WIDTH = 12
const RECORD_WIDTH = 3
const RECORDS = 10 ** RECORD_WIDTH
const OCCURRED_AT = new Date('2026-03-21T15:00:00.000Z')
const ACTIVITY_KINDS = ['email.opened', 'email.clicked', 'call.completed', 'sms.received', 'task.completed', 'form.submitted']
const fixtures = providerFixtures.automatenexus

function activity(index: number) {
  return {
    id: `act_${50_000 + index}`,
    type: ACTIVITY_KINDS[index % ACTIVITY_KINDS.length],
    at: new Date(Date.UTC(2026, 2, 1, 9) + index * 3_600_000).toISOString(),
    by: { id: `user_${100 + (index % 7)}`, name: 'Sales Rep' },
    summary: `Follow-up ${index}: discussed renewal terms, pricing tiers and onboarding timeline`,
  }
}

function data(size: number, activities: number, note: string): { type: string; data: Record<string, unknown> } {
  if (size <= 1024) {
    const contact = fixtures['contact.updated'] as Record<string, unknown>
    return {
      type: 'contact.updated',
      data: {
        ...contact,
        id: `con_${'0'.repeat(RECORD_WIDTH)}`,
        revision: '0'.repeat(REVISION_WIDTH),
        custom_fields: { ...(contact.custom_fields as object), notes: note },
      },
    }
  }
  const deal = fixtures['deal.stage_changed'] as Record<string, unknown>
  return {
    type: 'deal.stage_changed',
    data: {
      ...deal,
      id: `deal_${'0'.repeat(RECORD_WIDTH)}`,
      revision: '0'.repeat(REVISION_WIDTH),
      contacts: [fixtures['contact.created'], fixtures['contact.updated']],
      line_items: ['Platform', 'Seats', 'SSO add-on', 'Onboarding'].map((name, index) => ({
        sku: `SKU-${index}`,
        name,
        quantity: index + 1,
        unit_price: 1200,
      })),
      custom_fields: { region: 'EMEA', lead_source: 'Referral', notes: note },
      activities: Array.from({ length: activities }, (_, index) => activity(index)),
    },
  }
}

function compose(size: number, activities: number, note: string): string {
  const { type, data: eventData } = data(size, activities, note)
  const composed = automatenexus.compose!({ type, data: eventData, id: 'unused', occurredAt: OCCURRED_AT })
  return JSON.stringify(composed.payload)
}

function activityCount(size: number): number {
  if (size <= 1024) return 0
  // As many activities as fit with a short note left over; the note then absorbs the remainder exactly.
  let count = Math.max(1, Math.floor(size / 200))
  while (count > 1 && Buffer.byteLength(compose(size, count, '')) > size - 120) count--
  return count
}

/**
 * Builds an event of exactly `size` bytes of JSON.
 *
 * @example
 * ```ts
 * const body = buildCrmEvent(4096)
 * body.bytes.length // 4096
 * ```
 */
export function buildCrmEvent(size: number): CrmEventBody {
  const activities = activityCount(size)
  const bare = Buffer.byteLength(compose(size, activities, ''))
  if (bare > size) throw new RangeError(`a realistic event does not fit in ${size} bytes (needs ${bare})`)
  const words = 'Customer asked about SSO, audit logs and an annual invoice; '
  const note = words.repeat(Math.ceil((size - bare) / words.length)).slice(0, size - bare)
  const text = compose(size, activities, note)
  const bytes = Buffer.from(text)
  if (bytes.length !== size) throw new Error(`built ${bytes.length} bytes instead of ${size}`)
  const { type } = data(size, 0, '')
  const revisionOffset = text.indexOf(`"revision":"`) + '"revision":"'.length
  const recordOffset = text.indexOf(`_${'0'.repeat(RECORD_WIDTH)}"`) + 1
  return { size, eventType: type, bytes, revisionOffset, recordOffset }
}

/**
 * A copy of the event at revision `sequence`, about record `sequence` modulo 1 000: each delivery is a new
 * one to the idempotency store (AutomateNexus keys deliveries by a digest of the body).
 *
 * @example
 * ```ts
 * uniqueDelivery(body, 1042).toString().includes('"revision":"000000001042"') // true, about record 042
 * ```
 */
export function uniqueDelivery(body: CrmEventBody, sequence: number): Buffer {
  const copy = Buffer.from(body.bytes)
  copy.write(String(sequence).padStart(REVISION_WIDTH, '0'), body.revisionOffset, 'latin1')
  copy.write(String(sequence % RECORDS).padStart(RECORD_WIDTH, '0'), body.recordOffset, 'latin1')
  return copy
}
