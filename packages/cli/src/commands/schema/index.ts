/**
 * `crm-webhooks schema <provider> <event>`: the JSON Schema of an event's data, from its zod schema.
 *
 * @module
 */
import { type ProviderId, eventJsonSchema } from '@crm-webhooks/core/providers'
import { type Command, EXIT } from '../../command.js'
import { UsageError, parseFlags } from '../../parse-flags.js'
import { eventFlag, providerFlag } from '../../provider-flag.js'

/**
 * Prints the JSON Schema (draft 2020-12) of one event's data: the same document, title and `$comment`
 * included, that `pnpm run docs` publishes as `docs/schemas/<provider>/<event>.json`.
 *
 * @example
 * ```ts
 * await schemaCommand.run(['automatenexus', 'deal.stage_changed'], io)
 * ```
 */
export const schemaCommand: Command = {
  name: 'schema',
  usage: 'schema <provider> <event>',
  summary: "print the JSON Schema of an event's data",
  async run(args, io) {
    const { positionals } = parseFlags(args, {}, 2)
    if (positionals.length < 2) throw new UsageError('a provider and an event are required')
    const provider = providerFlag(positionals[0], 'the provider')
    const event = eventFlag(provider, positionals[1], 'the event')
    // providerFlag accepts only the registry's ids, which is what eventJsonSchema takes.
    const jsonSchema = eventJsonSchema(provider.id as ProviderId, event)
    io.stdout.write(`${JSON.stringify(jsonSchema, null, 2)}\n`)
    return EXIT.ok
  },
}
