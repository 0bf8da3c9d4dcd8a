/**
 * Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64>` over `id.timestamp.body`, `whsec_` secrets, a signed timestamp checked
 * against a tolerance; the body is `{type, timestamp, data}`. See this folder's README.
 *
 * @module
 */
import { createStandardWebhooksScheme } from '../../schemes/standard-webhooks.js'
import { defineProvider } from '../define-provider.js'
import { createFieldEnvelope } from '../field-envelope.js'
import { recordVersionByOccurredAt } from '../record-version.js'
import type { DeliveryContext } from '../../types.js'
import { standardWebhooksEvents } from './events.js'

const fields = createFieldEnvelope({ type: 'type', occurredAt: 'timestamp', data: 'data' })

/**
 * The event's data: the specification says it "can either be passed as part of the data property, or
 * squashed as part of the top-level object". A payload with its own `data` key is read the first way;
 * one without is the squashed form, whose data is every top-level field but `type` and `timestamp`.
 */
function dataOrSquashed(context: DeliveryContext): unknown {
  const payload = context.payload
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined
  if (Object.hasOwn(payload, 'data')) return (payload as { data: unknown }).data
  const { type: _type, timestamp: _timestamp, ...squashed } = payload as Record<string, unknown>
  return squashed
}

/**
 * The Standard Webhooks provider, with a small CRM catalog; add a sender's own events with
 * `createReceiver({ events })`. The idempotency key is the signed `webhook-id`, which the specification
 * keeps the same across retries of one message.
 *
 * @example
 * ```ts
 * import * as z from 'zod'
 * import { createReceiver } from '@crm-webhooks/core'
 * import { standardWebhooks } from '@crm-webhooks/core/providers'
 *
 * const receiver = createReceiver({
 *   provider: standardWebhooks,
 *   secret: process.env.WEBHOOK_SECRET!, // whsec_...
 *   events: { 'invoice.paid': z.looseObject({ id: z.string(), amount: z.number() }) },
 * })
 * receiver.on('contact.created', (event) => console.log(event.id, event.data.email))
 * receiver.on('invoice.paid', (event) => console.log(event.data.amount))
 * ```
 */
export const standardWebhooks = defineProvider({
  id: 'standard-webhooks',
  name: 'Standard Webhooks',
  scheme: createStandardWebhooksScheme(),
  // No body id: the scheme's signed webhook-id is the event id and the idempotency key.
  envelope: { ...fields, data: dataOrSquashed },
  events: standardWebhooksEvents,
  methods: ['POST'],
  contentTypes: ['json'],
  recordVersion: recordVersionByOccurredAt,
  compose: (event) => ({ payload: { type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data } }),
  // The specification's example schedule retries until 75 h 35 m after the first attempt, past the usual
  // 72 h: a completed message is remembered 100 h, about a day beyond its last retry.
  retentionMs: 100 * 60 * 60 * 1000,
})

export { standardWebhooksEvents } from './events.js'
export type { StandardWebhooksEventType } from './events.js'
export { standardWebhooksFixtures } from './fixtures.js'
