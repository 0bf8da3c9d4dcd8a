/**
 * Auto-Respond's payload names no event: it is the lead as it stands. `classifyLeadEvent` derives the
 * event from the snapshot alone (no state, so every process and every retry agrees), by a documented rule,
 * first match wins:
 *
 * 1. `lead.created`: the transcript holds at most one message (the lead just reached out).
 * 2. `lead.contact_info_added`: the latest message is inbound and carries the lead's email (any case) or
 *    phone (its last 10 digits, or all of them if fewer, among the message's digits).
 * 3. `lead.message_added`: anything else.
 *
 * @module
 */
import { eventTimeMs } from '../record-version.js'
import type { AutorespondEventType } from './events.js'

interface LeadMessage {
  direction?: unknown
  text?: unknown
}

const digitsOf = (text: string) => text.replace(/\D/g, '')

function carriesContactInfo(text: string, lead: { email?: unknown; phone?: unknown }): boolean {
  if (typeof lead.email === 'string' && lead.email.includes('@') && text.toLowerCase().includes(lead.email.toLowerCase())) {
    return true
  }
  if (typeof lead.phone !== 'string') return false
  const phone = digitsOf(lead.phone)
  // Seven digits is the shortest local number; fewer would match dates and prices.
  return phone.length >= 7 && digitsOf(text).includes(phone.slice(-10))
}

/**
 * Names the event an Auto-Respond lead payload stands for; `undefined` for a payload that is not a lead
 * (the receiver then answers 422 and calls `onInvalidPayload`).
 *
 * @example
 * ```ts
 * classifyLeadEvent({ lead_id: 'lead_1', messages: [{ direction: 'inbound', text: 'Hi', timestamp: '…' }] })
 * // 'lead.created'
 * ```
 */
export function classifyLeadEvent(payload: unknown): AutorespondEventType | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined
  const lead = payload as { messages?: unknown; email?: unknown; phone?: unknown }
  if (!Array.isArray(lead.messages)) return undefined
  if (lead.messages.length <= 1) return 'lead.created'
  const latest = lead.messages[lead.messages.length - 1] as LeadMessage | null
  if (latest?.direction === 'inbound' && typeof latest.text === 'string' && carriesContactInfo(latest.text, lead)) {
    return 'lead.contact_info_added'
  }
  return 'lead.message_added'
}

/**
 * When the lead last changed: the latest message's time, in ms (for `occurredAt` and the ordering guard).
 *
 * @example
 * ```ts
 * latestMessageTime({ messages: [{ timestamp: '2026-04-21T15:42:18Z' }] }) // 1776786138000
 * ```
 */
export function latestMessageTime(payload: unknown): number | undefined {
  const messages = (payload as { messages?: unknown } | null)?.messages
  if (!Array.isArray(messages)) return undefined
  let latest: number | undefined
  for (const message of messages) {
    const time = eventTimeMs((message as { timestamp?: unknown } | null)?.timestamp)
    if (Number.isFinite(time) && (latest === undefined || time > latest)) latest = time
  }
  return latest
}
