/**
 * ConnectGain (seed 001): `X-Webhook-Signature` carries the hex HMAC-SHA256 of the raw body;
 * `X-Webhook-Event` and `X-Webhook-Timestamp` repeat the event name and time; the envelope is
 * `{event, timestamp, data}`; POST with JSON only. See this folder's README for the choices made.
 *
 * @module
 */
import { createHmacSha256Scheme } from '../../schemes/hmac-sha256.js'
import { defineProvider } from '../define-provider.js'
import { createFieldEnvelope } from '../field-envelope.js'
import { recordVersionByOccurredAt } from '../record-version.js'
import { connectgainEvents } from './events.js'

/**
 * The ConnectGain provider.
 *
 * The handler is chosen by the body's `event`, which the signature covers, never by the unsigned
 * `X-Webhook-Event` header. ConnectGain sends no event id, so the idempotency key is the pipeline's
 * default, a SHA-256 digest of the raw body.
 *
 * @example
 * ```ts
 * import { createReceiver } from '@crm-webhooks/core'
 * import { connectgain } from '@crm-webhooks/core/providers'
 *
 * const receiver = createReceiver({ provider: connectgain, secret: process.env.CONNECTGAIN_SECRET! })
 * receiver.on('deal.stage.changed', (event) => console.log(event.data.id, event.data.new_stage))
 * ```
 */
export const connectgain = defineProvider({
  id: 'connectgain',
  name: 'ConnectGain',
  scheme: createHmacSha256Scheme({ header: 'X-Webhook-Signature' }),
  // No `typeHeader`: X-Webhook-Event is outside the signature, so it must not pick the handler.
  envelope: createFieldEnvelope({ type: 'event', occurredAt: 'timestamp', data: 'data' }),
  events: connectgainEvents,
  methods: ['POST'],
  contentTypes: ['json'],
  recordVersion: recordVersionByOccurredAt,
  compose: (event) => {
    const timestamp = event.occurredAt.toISOString()
    return {
      payload: { event: event.type, timestamp, data: event.data },
      headers: { 'X-Webhook-Event': event.type, 'X-Webhook-Timestamp': timestamp },
    }
  },
})

export { connectgainEvents } from './events.js'
export type { ConnectgainEventType } from './events.js'
export { connectgainFixtures } from './fixtures.js'
