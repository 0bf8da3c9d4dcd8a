/**
 * Auto-Respond's REST Webhook (seed 004): a static secret in `X-Secret-Key` on every request, one lead
 * payload (no envelope, no event name) POSTed as JSON for each lead event. See this folder's README.
 *
 * @module
 */
import { createStaticSecretScheme } from '../../schemes/static-secret.js'
import { defineProvider } from '../define-provider.js'
import { classifyLeadEvent, latestMessageTime } from './classify-lead-event.js'
import { autorespondEvents } from './events.js'

/**
 * The Auto-Respond provider.
 *
 * The event is derived from the lead snapshot by {@link classifyLeadEvent}. The idempotency key is the
 * pipeline's default, a SHA-256 digest of the body: `lead_id` is not an event id, since the same lead
 * legitimately arrives again each time it updates.
 *
 * @example
 * ```ts
 * import { createReceiver } from '@crm-webhooks/core'
 * import { autorespond } from '@crm-webhooks/core/providers'
 *
 * const receiver = createReceiver({ provider: autorespond, secret: process.env.AUTORESPOND_SECRET_KEY! })
 * receiver.on(['lead.created', 'lead.contact_info_added', 'lead.message_added'], (event) => {
 *   console.log(event.type, event.data.lead_id, event.data.messages.at(-1)?.text)
 * })
 * ```
 */
export const autorespond = defineProvider({
  id: 'autorespond',
  name: 'Auto-Respond REST Webhook',
  scheme: createStaticSecretScheme({ header: 'X-Secret-Key' }),
  envelope: {
    eventType: (context) => classifyLeadEvent(context.payload),
    occurredAt: (context) => {
      const time = latestMessageTime(context.payload)
      return time === undefined ? undefined : new Date(time).toISOString()
    },
  },
  events: autorespondEvents,
  methods: ['POST'],
  contentTypes: ['json'],
  // One record per lead; a later snapshot has a later latest message, so an older one arriving late is stale.
  // An empty lead_id names no lead: every such lead would share one record, and one mark another stale.
  recordVersion: (event) => {
    const leadId = (event.data as { lead_id?: unknown }).lead_id
    const version = latestMessageTime(event.data)
    return typeof leadId === 'string' && leadId !== '' && version !== undefined ? { record: `lead:${leadId}`, version } : undefined
  },
  // The payload is the lead itself and implies its event, so a lead that would be read as another event
  // is refused rather than sent under a name the receiver will not see.
  compose: (event) => {
    const implied = classifyLeadEvent(event.data)
    if (implied === undefined) {
      throw new TypeError(`crm-webhooks: this payload is not a lead (an object with a messages array), so it is no ${event.type} (see classifyLeadEvent)`)
    }
    if (implied !== event.type) {
      throw new TypeError(`crm-webhooks: this lead payload reads as ${implied}, not ${event.type} (see classifyLeadEvent)`)
    }
    return { payload: event.data }
  },
})

export { autorespondEvents } from './events.js'
export type { AutorespondEventType } from './events.js'
export { autorespondFixtures } from './fixtures.js'
export { classifyLeadEvent, latestMessageTime } from './classify-lead-event.js'
