/**
 * `crm-webhooks schema <provider> <event>`: the JSON Schema of an event's data, from its zod schema.
 *
 * @module
 */
import { toJSONSchema, type ZodType } from 'zod'
import { type Command, EXIT } from '../../command.js'
import { UsageError, parseFlags } from '../../parse-flags.js'
import { eventFlag, providerFlag } from '../../provider-flag.js'

/**
 * Prints the JSON Schema (draft 2020-12) of one event's data.
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
    const schema = provider.events[event]!
    if (schema['~standard'].vendor !== 'zod') {
      io.stderr.write(`crm-webhooks schema: ${provider.id} ${event} is a ${schema['~standard'].vendor} schema; only zod schemas convert\n`)
      return EXIT.failed
    }
    // The options `pnpm docs` writes docs/schemas/ with, so the CLI prints the published schema.
    const jsonSchema = toJSONSchema(schema as unknown as ZodType, { target: 'draft-2020-12', unrepresentable: 'throw' })
    io.stdout.write(`${JSON.stringify(jsonSchema, null, 2)}\n`)
    return EXIT.ok
  },
}
