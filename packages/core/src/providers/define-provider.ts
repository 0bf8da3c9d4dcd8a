/**
 * `defineProvider`: a provider of your own, typed from its event schemas.
 *
 * @module
 */
import { MAX_STORE_MS, positiveOption } from '../option-checks.js'
import type { EventSchemas, Provider } from '../types.js'

/**
 * Refuses a provider id that is not lower-case letters, digits and dashes. Store keys start with it, and a
 * receiver's namespace follows it after a `/`: an id with a `/` or `:` could spell another's prefix.
 */
export function requireProviderId(id: unknown): void {
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(id)) {
    throw new TypeError(`crm-webhooks: provider id ${JSON.stringify(id)} must be lower-case letters, digits and dashes`)
  }
}

/**
 * Refuses an event catalog with an entry that is not a Standard Schema (a valibot 0.x schema has no
 * `~standard`): every delivery of that event would otherwise be a 500. `owner` names the catalog in the message.
 */
export function requireEventSchemas(events: unknown, owner: string): void {
  if (typeof events !== 'object' || events === null) throw new TypeError(`crm-webhooks: the events of ${owner} must be a record of Standard Schemas`)
  for (const [name, schema] of Object.entries(events)) {
    if (typeof (schema as { '~standard'?: { validate?: unknown } } | undefined)?.['~standard']?.validate !== 'function') {
      throw new TypeError(`crm-webhooks: event ${name} of ${owner} is not a Standard Schema (zod 4, valibot, arktype)`)
    }
  }
}

/**
 * Declares a provider. It only checks the definition and keeps its types: handlers registered on a
 * receiver built from it are narrowed by the `events` record's keys.
 *
 * @example
 * ```ts
 * const acme = defineProvider({
 *   id: 'acme',
 *   name: 'Acme CRM',
 *   scheme: createHmacSha256Scheme({ header: 'X-Acme-Signature' }),
 *   envelope: createFieldEnvelope({ type: 'event', id: 'id', occurredAt: 'timestamp', data: 'data' }),
 *   events: { 'lead.created': z.looseObject({ id: z.string() }) },
 * })
 * ```
 */
export function defineProvider<const Events extends EventSchemas>(provider: Provider<Events>): Provider<Events> {
  requireProviderId(provider.id)
  if (typeof provider.scheme?.verify !== 'function' || typeof provider.scheme.sign !== 'function') {
    throw new TypeError(`crm-webhooks: provider ${provider.id} needs a signature scheme`)
  }
  requireEventSchemas(provider.events, provider.id)
  if (provider.idempotencyDigest !== undefined && provider.idempotencyDigest !== 'signed-bytes' && provider.idempotencyDigest !== 'canonical-json') {
    throw new TypeError(`crm-webhooks: idempotencyDigest of provider ${provider.id} must be 'signed-bytes' or 'canonical-json'`)
  }
  if (provider.retentionMs !== undefined) positiveOption(`retentionMs of provider ${provider.id}`, provider.retentionMs, 0, { max: MAX_STORE_MS })
  return provider
}
