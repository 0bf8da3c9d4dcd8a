/**
 * A small provider defined the way a user defines one, for the sender's own tests: an HMAC-SHA256 body
 * signature, a `{event, id, timestamp, data}` envelope, JSON or form bodies and four methods.
 *
 * @module
 */
import { createFieldEnvelope, createHmacSha256Scheme, defineProvider } from '@crm-webhooks/core'
import * as z from 'zod'

/**
 * The test provider.
 *
 * @example
 * ```ts
 * createSender({ provider: acmeProvider, secret: 'test-secret', url })
 * ```
 */
export const acmeProvider = defineProvider({
  id: 'acme',
  name: 'Acme CRM (test)',
  scheme: createHmacSha256Scheme({ header: 'X-Acme-Signature' }),
  envelope: createFieldEnvelope({ type: 'event', id: 'id', occurredAt: 'timestamp', data: 'data' }),
  events: {
    'contact.created': z.looseObject({ id: z.string(), email: z.string() }),
    'deal.won': z.looseObject({ id: z.string(), value: z.number() }),
  },
  methods: ['POST', 'PUT', 'GET', 'DELETE'],
  contentTypes: ['json', 'form'],
  // The form carries the nested `data` as JSON text; decodeForm turns it back.
  decodeForm: (fields) => ({ ...Object.fromEntries(fields), data: JSON.parse(fields.get('data') ?? 'null') }),
  compose: (event) => ({
    payload: { event: event.type, id: event.id, timestamp: event.occurredAt.toISOString(), data: event.data },
    headers: { 'X-Acme-Event': event.type },
  }),
})
