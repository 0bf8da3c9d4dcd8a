/**
 * `--provider <id>`: one of the built-in providers, by the id the registry gives it.
 *
 * @module
 */
import type { Provider } from '@crm-webhooks/core'
import { isProviderId, providers } from '@crm-webhooks/core/providers'
import { UsageError, requireFlag } from './parse-flags.js'

/**
 * The provider a `--provider` flag names; a usage error listing the ids otherwise.
 *
 * @example
 * ```ts
 * const provider = providerFlag(values.provider) // providers.automatenexus
 * ```
 */
export function providerFlag(value: string | undefined, flag = '--provider'): Provider {
  const id = requireFlag(value, flag)
  if (!isProviderId(id)) {
    throw new UsageError(`unknown provider ${JSON.stringify(id)}; use one of ${Object.keys(providers).join(', ')}`)
  }
  return providers[id]
}

/**
 * An event name of `provider`'s catalog; a usage error otherwise.
 *
 * @example
 * ```ts
 * eventFlag(provider, values.event) // 'deal.stage_changed'
 * ```
 */
export function eventFlag(provider: Provider, value: string | undefined, flag = '--event'): string {
  const type = requireFlag(value, flag)
  if (!Object.hasOwn(provider.events, type)) {
    throw new UsageError(`${provider.id} has no event ${JSON.stringify(type)}; see \`crm-webhooks events --provider ${provider.id}\``)
  }
  return type
}
