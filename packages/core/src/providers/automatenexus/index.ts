/**
 * AutomateNexus CRM (seed 000): `X-AutomateNexus-Signature` carries the lower-case hex HMAC-SHA256 of the
 * raw body; the envelope is `{event, timestamp, webhook_id, account_id, data}`; bodies are JSON or
 * form-urlencoded; the method is POST, PUT or PATCH. See this folder's README for every choice made where
 * the seed is vague.
 *
 * @module
 */
import { createHmacSha256Scheme } from '../../schemes/hmac-sha256.js'
import { defineProvider } from '../define-provider.js'
import { createFieldEnvelope } from '../field-envelope.js'
import { decodeJsonFieldsForm, encodeJsonFieldsForm } from '../json-fields-form.js'
import { recordVersionByOccurredAt } from '../record-version.js'
import { automatenexusEvents } from './events.js'

/**
 * The `webhook_id` and `account_id` a composed sample carries (they name a configuration, not an event).
 *
 * @example
 * ```ts
 * JSON.parse(delivery.body).webhook_id === AUTOMATENEXUS_SAMPLE_IDS.webhookId
 * ```
 */
export const AUTOMATENEXUS_SAMPLE_IDS = { webhookId: 'wh_abc123def456', accountId: 'acc_789xyz' } as const

/**
 * The AutomateNexus CRM provider.
 *
 * Idempotency: the envelope's `webhook_id` names the webhook configuration, not the event, so it is not
 * the key; AutomateNexus sends no event id, and its retries resend the same body, so the key is the
 * pipeline's default, a SHA-256 digest of the raw body.
 *
 * @example
 * ```ts
 * import { createReceiver } from '@crm-webhooks/core'
 * import { automatenexus } from '@crm-webhooks/core/providers'
 *
 * const receiver = createReceiver({ provider: automatenexus, secret: process.env.AUTOMATENEXUS_SECRET! })
 * receiver.on('deal.stage_changed', (event) => console.log(event.data.previous_stage, '->', event.data.new_stage))
 * ```
 */
export const automatenexus = defineProvider({
  id: 'automatenexus',
  name: 'AutomateNexus CRM',
  scheme: createHmacSha256Scheme({ header: 'X-AutomateNexus-Signature' }),
  // No `id`: webhook_id identifies the configuration, so two different events share it.
  envelope: createFieldEnvelope({ type: 'event', occurredAt: 'timestamp', data: 'data' }),
  events: automatenexusEvents,
  methods: ['POST', 'PUT', 'PATCH'],
  contentTypes: ['json', 'form'],
  decodeForm: (fields) => decodeJsonFieldsForm(fields, ['data']),
  encodeForm: (payload) => encodeJsonFieldsForm(payload, ['data']),
  recordVersion: recordVersionByOccurredAt,
  compose: (event) => ({
    payload: {
      event: event.type,
      timestamp: event.occurredAt.toISOString(),
      webhook_id: AUTOMATENEXUS_SAMPLE_IDS.webhookId,
      account_id: AUTOMATENEXUS_SAMPLE_IDS.accountId,
      data: event.data,
    },
  }),
  // A webhook may be set to 10 retries (seed 000); at the default intervals, the retries past the fifth a
  // day apart, the last comes 144 h after the failure. A completed delivery is remembered 7 days, a day
  // beyond it: with the usual 72 h, a 7th retry (at 72 h) found its key forgotten and ran again.
  retentionMs: 7 * 24 * 60 * 60 * 1000,
})

export { automatenexusEvents } from './events.js'
export type { AutomatenexusEventType } from './events.js'
export { automatenexusFixtures } from './fixtures.js'
