/**
 * The built-in providers by id, and their fixtures: what the sender, the demo, the CLI, the adapters'
 * tests and the benchmarks look providers up in. Adding a provider is one line in each record.
 *
 * @module
 */
import { automatenexus, automatenexusFixtures } from './automatenexus/index.js'
import { autorespond, autorespondFixtures } from './autorespond/index.js'
import { connectgain, connectgainFixtures } from './connectgain/index.js'
import { customermates, customermatesFixtures } from './customermates/index.js'
import { standardWebhooks, standardWebhooksFixtures } from './standard-webhooks/index.js'
import { workflowPlatform, workflowPlatformFixtures } from './workflow-platform/index.js'

/**
 * Every built-in provider, keyed by its id.
 *
 * @example
 * ```ts
 * import { providers } from '@crm-webhooks/core/providers'
 * const provider = providers['automatenexus']
 * ```
 */
export const providers = {
  automatenexus,
  connectgain,
  customermates,
  'workflow-platform': workflowPlatform,
  autorespond,
  'standard-webhooks': standardWebhooks,
} as const

/** The id of a built-in provider. */
export type ProviderId = keyof typeof providers

/**
 * The wire name of an event in built-in provider `P`'s catalog, e.g. `'deal.stage_changed'` for AutomateNexus;
 * for a union of providers, an event of any of them.
 */
// Distributed over P: a union would otherwise index a union of catalogs, whose keys are the names all share.
export type BuiltInEventType<P extends ProviderId> = P extends ProviderId ? keyof (typeof providers)[P]['events'] & string : never

/**
 * Whether `value` names a built-in provider (for CLI flags and config files).
 *
 * @example
 * ```ts
 * if (!isProviderId(flag)) throw new Error(`unknown provider ${flag}; try ${Object.keys(providers).join(', ')}`)
 * ```
 */
export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && Object.hasOwn(providers, value)
}

/**
 * A realistic event `data` for every event of every built-in provider, keyed by provider id, then by wire
 * event name. Each validates against its event's schema.
 *
 * @example
 * ```ts
 * const data = providerFixtures.automatenexus['deal.stage_changed']
 * ```
 */
export const providerFixtures = {
  automatenexus: automatenexusFixtures,
  connectgain: connectgainFixtures,
  customermates: customermatesFixtures,
  'workflow-platform': workflowPlatformFixtures,
  autorespond: autorespondFixtures,
  'standard-webhooks': standardWebhooksFixtures,
} satisfies Record<ProviderId, Record<string, unknown>>

/**
 * A secret per built-in provider in the form its scheme accepts (Standard Webhooks wants `whsec_<base64>`),
 * for demos, tests and benchmarks that sign on the spot. Never configure these in production.
 *
 * @example
 * ```ts
 * const delivery = await buildSampleDelivery('standard-webhooks', 'contact.created', { secret: demoSecrets['standard-webhooks'] })
 * ```
 */
export const demoSecrets: Readonly<Record<ProviderId, string>> = {
  automatenexus: 'demo-automatenexus-signing-secret',
  connectgain: 'demo-connectgain-hmac-secret',
  customermates: 'demo-customermates-secret',
  'workflow-platform': 'demo-workflow-platform-hmac-secret',
  autorespond: 'demo-autorespond-secret-key',
  // base64 of "demo-standard-webhooks-secret-32b"
  'standard-webhooks': 'whsec_ZGVtby1zdGFuZGFyZC13ZWJob29rcy1zZWNyZXQtMzJi',
}
