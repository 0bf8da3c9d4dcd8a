/**
 * Providers whose events are valibot and arktype schemas rather than zod's: the README promises that any
 * Standard Schema works, and these are the two libraries it names beside zod.
 *
 * @module
 */
import { type } from 'arktype'
import * as v from 'valibot'
import { defineProvider } from './providers/define-provider.js'
import { createFieldEnvelope } from './providers/field-envelope.js'
import { createHmacSha256Scheme } from './schemes/hmac-sha256.js'

export const LIBRARY_SECRET = 'standard-schema-secret'
export const libraryScheme = createHmacSha256Scheme({ header: 'X-Test-Signature' })
const envelope = createFieldEnvelope({ type: 'event', id: 'event_id', occurredAt: 'timestamp', data: 'data' })

export const valibotProvider = defineProvider({
  id: 'valibot-crm',
  name: 'A CRM described with valibot',
  scheme: libraryScheme,
  envelope,
  events: {
    'deal.won': v.looseObject({ id: v.string(), amount: v.pipe(v.string(), v.transform(Number)), currency: v.optional(v.string(), 'EUR') }),
    'contact.created': v.object({ email: v.pipe(v.string(), v.email()), tags: v.array(v.string()) }),
    'account.checked': v.objectAsync({
      id: v.pipeAsync(
        v.string(),
        v.checkAsync(async (id) => id.startsWith('acc_'), 'unknown account'),
      ),
    }),
  },
})

export const arktypeProvider = defineProvider({
  id: 'arktype-crm',
  name: 'A CRM described with arktype',
  scheme: libraryScheme,
  envelope,
  events: {
    'deal.won': type({ id: 'string', amount: 'string.numeric.parse', currency: 'string = "EUR"' }),
    'contact.created': type({ email: 'string.email', tags: 'string[]' }),
    'name.shouted': type({ name: type('string').pipe((name) => name.toUpperCase()) }),
    'note.added': type('string').narrow((text, context) => text.length > 3 || context.mustBe('longer than 3 characters')),
  },
})
