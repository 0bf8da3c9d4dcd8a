/**
 * Customermates (seed 002): `X-Webhook-Signature` carries the hex HMAC-SHA256 of the raw JSON body; the
 * envelope is `{event, data, timestamp}`; POST with JSON. See this folder's README for the choices made.
 *
 * @module
 */
import { createHmacSha256Scheme } from '../../schemes/hmac-sha256.js'
import type { WebhookEvent } from '../../types.js'
import { defineProvider } from '../define-provider.js'
import { createFieldEnvelope } from '../field-envelope.js'
import { occurredAtMs } from '../record-version.js'
import { customermatesEvents } from './events.js'

/**
 * The record a Customermates event is about: `payload.id` for created and deleted events,
 * `payload.<entity>.id` for updates, else `data.entityId` (which Customermates' own events carry).
 */
function recordIdOf(event: WebhookEvent): string | undefined {
  const entity = event.type.split('.')[0]!
  const data = event.data as { payload?: Record<string, unknown>; entityId?: unknown } | null
  const payload = data?.payload
  const record = payload && typeof payload[entity] === 'object' && payload[entity] !== null ? payload[entity] : payload
  const recordId = (record as { id?: unknown } | undefined)?.id
  const id = typeof recordId === 'string' && recordId !== '' ? recordId : data?.entityId
  return typeof id === 'string' && id !== '' ? `${entity}:${id}` : undefined
}

/**
 * The Customermates provider.
 *
 * Customermates keeps failed deliveries and lets a person resend them, so duplicates are normal. It sends
 * no event id, and a resend writes out the body it stored (as PostgreSQL `jsonb`, which reorders keys), so
 * the idempotency key digests the payload's canonical JSON rather than the raw bytes.
 *
 * @example
 * ```ts
 * import { createReceiver } from '@crm-webhooks/core'
 * import { customermates } from '@crm-webhooks/core/providers'
 *
 * const receiver = createReceiver({ provider: customermates, secret: process.env.CUSTOMERMATES_SECRET! })
 * receiver.on('deal.updated', (event) => console.log(event.data.payload?.deal?.totalValue, event.data.payload?.changes))
 * ```
 */
export const customermates = defineProvider({
  id: 'customermates',
  name: 'Customermates',
  scheme: createHmacSha256Scheme({ header: 'X-Webhook-Signature' }),
  envelope: createFieldEnvelope({ type: 'event', occurredAt: 'timestamp', data: 'data' }),
  events: customermatesEvents,
  methods: ['POST'],
  contentTypes: ['json'],
  idempotencyDigest: 'canonical-json',
  recordVersion: (event) => {
    const record = recordIdOf(event)
    const version = occurredAtMs(event)
    return record && Number.isFinite(version) ? { record, version } : undefined
  },
  compose: (event) => ({ payload: { event: event.type, data: event.data, timestamp: event.occurredAt.toISOString() } }),
})

export { customermatesEvents } from './events.js'
export type { CustomermatesEventType } from './events.js'
export { customermatesFixtures } from './fixtures.js'
